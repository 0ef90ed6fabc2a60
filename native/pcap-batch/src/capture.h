// Shared between the capture thread (capture.c) and the N-API binding (binding.c): the batch and
// capture-handle types and the functions the binding calls. Batch layout (native endianness),
// repeated: u32 ts_sec, u32 ts_usec, u32 caplen, u32 wirelen, caplen bytes, zero to three padding
// bytes so the next record starts 4-byte aligned.
#ifndef PCAP_BATCH_CAPTURE_H
#define PCAP_BATCH_CAPTURE_H
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <node_api.h>
#include <pcap/pcap.h>

#define REC_HDR 16u

typedef struct batch {
  uint8_t *buf;
  size_t used;
  uint32_t records;
  uint64_t bytes; /* captured packet bytes, for the drop counters */
  uint64_t first_ns;
  struct batch *next;
} batch_t;

typedef struct {
  pcap_t *pcap;
  int link_type;
  int wake_fd;
  pthread_t thread;
  int thread_started;
  int thread_joined;
  atomic_int stopping;
  napi_threadsafe_function tsfn;
  size_t batch_bytes;
  uint32_t flush_ms;
  uint32_t n_batches;
  batch_t *batches; /* n_batches entries: one filling, the rest free or in flight */
  batch_t *filling; /* capture thread only */
  pthread_mutex_t mu;
  /* guarded by mu */
  batch_t *free_list;
  uint64_t drop_batches, drop_packets, drop_bytes;
  uint64_t ps_recv, ps_drop, ps_ifdrop;
  uint32_t last_recv, last_drop, last_ifdrop;
  char error[PCAP_ERRBUF_SIZE + 64];
  /* owners: the JS External and (once started) the tsfn; freed when both are gone */
  int refs;
} cap_t;

/* Queued through the tsfn after the last batch: the capture thread has ended. */
extern batch_t pcap_batch_end_marker;

/* A handle over an activated pcap_t with n = max_batches + 1 batch buffers; NULL when out of memory
 * (the caller still owns `p`). refs = 1 (the JS External). */
cap_t *cap_new(pcap_t *p, int link_type, uint32_t snaplen, uint32_t batch_bytes, uint32_t max_batches, uint32_t flush_ms);
/* Drops one owner; frees the buffers and the handle with the last. */
void cap_unref(cap_t *c);
/* The thread body: pcap_dispatch into batches, hand-offs through c->tsfn, then the end marker. */
void *capture_main(void *arg);
/* Stops and joins the thread if it runs, then closes the pcap handle. Idempotent. */
void stop_thread(cap_t *c);
/* Returns a batch JS has finished with to the free list (any thread). */
void cap_recycle(cap_t *c, batch_t *b);

#endif
