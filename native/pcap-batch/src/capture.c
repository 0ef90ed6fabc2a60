// The capture thread of pcap_batch: pcap_dispatch copies packets into batch buffers, and each full
// (or flush-due) batch goes to JavaScript in one napi_threadsafe_function call. Owns the batch pool
// (one filling, the rest free or in flight), the pcap_stats cache and the whole-batch drop counters.
#include "capture.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* pcap_stats is read by the capture thread this often (JS reads the cached copy under the mutex). */
#define STATS_INTERVAL_MS 100

batch_t pcap_batch_end_marker;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cap_unref(cap_t *c) {
  if (--c->refs > 0) return;
  if (c->batches != NULL) {
    for (uint32_t i = 0; i < c->n_batches; i++) free(c->batches[i].buf);
    free(c->batches);
  }
  if (c->wake_fd >= 0) close(c->wake_fd);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

/* pcap_stat fields are u_int and wrap: accumulate the 32-bit deltas into 64-bit totals. */
static void refresh_stats(cap_t *c) {
  struct pcap_stat ps;
  if (pcap_stats(c->pcap, &ps) != 0) return;
  pthread_mutex_lock(&c->mu);
  c->ps_recv += (uint32_t)(ps.ps_recv - c->last_recv);
  c->ps_drop += (uint32_t)(ps.ps_drop - c->last_drop);
  c->ps_ifdrop += (uint32_t)(ps.ps_ifdrop - c->last_ifdrop);
  c->last_recv = ps.ps_recv;
  c->last_drop = ps.ps_drop;
  c->last_ifdrop = ps.ps_ifdrop;
  pthread_mutex_unlock(&c->mu);
}

static void reset_batch(batch_t *b) {
  b->used = 0;
  b->records = 0;
  b->bytes = 0;
}

/* Sends the filling batch to JS and takes a free one; with none free (JS is behind by n_batches - 1
 * batches) the filling batch is dropped whole and counted, so memory never grows. */
static void hand_off(cap_t *c) {
  batch_t *b = c->filling;
  if (b->records == 0) return;
  pthread_mutex_lock(&c->mu);
  batch_t *next = c->free_list;
  if (next != NULL) {
    c->free_list = next->next;
  } else {
    c->drop_batches++;
    c->drop_packets += b->records;
    c->drop_bytes += b->bytes;
  }
  pthread_mutex_unlock(&c->mu);
  if (next == NULL) {
    reset_batch(b);
    return;
  }
  if (napi_call_threadsafe_function(c->tsfn, b, napi_tsfn_nonblocking) != napi_ok) {
    pthread_mutex_lock(&c->mu); /* closing: the batch is lost, the buffer goes back */
    c->drop_batches++;
    c->drop_packets += b->records;
    c->drop_bytes += b->bytes;
    reset_batch(b);
    b->next = c->free_list;
    c->free_list = b;
    pthread_mutex_unlock(&c->mu);
  }
  reset_batch(next);
  c->filling = next;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  cap_t *c = (cap_t *)user;
  uint32_t caplen = h->caplen;
  size_t need = REC_HDR + ((caplen + 3u) & ~(size_t)3u);
  if (c->filling->used + need > c->batch_bytes) hand_off(c);
  batch_t *b = c->filling;
  if (b->used + need > c->batch_bytes) return; /* open() sizes batches above the snaplen */
  if (b->records == 0) b->first_ns = now_ns();
  uint32_t hdr[4] = {(uint32_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec, caplen, h->len};
  uint8_t *at = b->buf + b->used;
  memcpy(at, hdr, REC_HDR);
  memcpy(at + REC_HDR, bytes, caplen);
  size_t pad = need - REC_HDR - caplen;
  if (pad > 0) memset(at + REC_HDR + caplen, 0, pad);
  b->used += need;
  b->records++;
  b->bytes += caplen;
}

void *capture_main(void *arg) {
  cap_t *c = (cap_t *)arg;
  const uint64_t flush_ns = (uint64_t)c->flush_ms * 1000000u;
  uint64_t stats_at = now_ns();
  struct pollfd fds[2];
  fds[0].fd = pcap_get_selectable_fd(c->pcap);
  fds[0].events = POLLIN;
  fds[1].fd = c->wake_fd;
  fds[1].events = POLLIN;
  while (!atomic_load(&c->stopping)) {
    int n = pcap_dispatch(c->pcap, -1, on_packet, (u_char *)c);
    if (n == PCAP_ERROR) {
      pthread_mutex_lock(&c->mu);
      snprintf(c->error, sizeof c->error, "%s", pcap_geterr(c->pcap));
      pthread_mutex_unlock(&c->mu);
      break;
    }
    if (n == PCAP_ERROR_BREAK) break;
    uint64_t now = now_ns();
    batch_t *b = c->filling;
    if (b->records > 0 && now - b->first_ns >= flush_ns) hand_off(c);
    if (now - stats_at >= (uint64_t)STATS_INTERVAL_MS * 1000000u) {
      refresh_stats(c);
      stats_at = now;
    }
    if (n > 0) continue;
    /* Nothing ready: sleep until a block is retired, the flush is due, stats are due, or stop. */
    int timeout_ms = STATS_INTERVAL_MS;
    b = c->filling;
    if (b->records > 0) {
      uint64_t age = now - b->first_ns;
      int left = age >= flush_ns ? 0 : (int)((flush_ns - age + 999999u) / 1000000u);
      if (left < timeout_ms) timeout_ms = left;
    }
    if (poll(fds, 2, timeout_ms) < 0 && errno != EINTR) break;
  }
  hand_off(c);
  refresh_stats(c);
  napi_call_threadsafe_function(c->tsfn, &pcap_batch_end_marker, napi_tsfn_nonblocking);
  napi_release_threadsafe_function(c->tsfn, napi_tsfn_release);
  return NULL;
}

void stop_thread(cap_t *c) {
  if (c->thread_started && !c->thread_joined) {
    atomic_store(&c->stopping, 1);
    pcap_breakloop(c->pcap);
    uint64_t one = 1;
    ssize_t w = write(c->wake_fd, &one, sizeof one);
    (void)w;
    pthread_join(c->thread, NULL);
    c->thread_joined = 1;
  }
  if (c->pcap != NULL) {
    pcap_close(c->pcap);
    c->pcap = NULL;
  }
}

cap_t *cap_new(pcap_t *p, int link_type, uint32_t snaplen, uint32_t batch_bytes, uint32_t max_batches, uint32_t flush_ms) {
  cap_t *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  pthread_mutex_init(&c->mu, NULL);
  c->refs = 1;
  /* a batch holds at least one record of the largest size the snaplen allows */
  size_t min_batch = REC_HDR + (((size_t)snaplen + 3u) & ~(size_t)3u);
  c->batch_bytes = batch_bytes > min_batch ? batch_bytes : min_batch;
  c->n_batches = max_batches + 1;
  c->batches = calloc(c->n_batches, sizeof(batch_t));
  c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  int ok = c->batches != NULL && c->wake_fd >= 0;
  for (uint32_t i = 0; ok && i < c->n_batches; i++) {
    c->batches[i].buf = malloc(c->batch_bytes);
    if (c->batches[i].buf == NULL) ok = 0;
  }
  if (!ok) {
    cap_unref(c);
    return NULL;
  }
  c->pcap = p;
  c->link_type = link_type;
  c->flush_ms = flush_ms;
  c->filling = &c->batches[0];
  for (uint32_t i = c->n_batches - 1; i >= 1; i--) {
    c->batches[i].next = c->free_list;
    c->free_list = &c->batches[i];
  }
  return c;
}

void cap_recycle(cap_t *c, batch_t *b) {
  pthread_mutex_lock(&c->mu);
  reset_batch(b);
  b->next = c->free_list;
  c->free_list = b;
  pthread_mutex_unlock(&c->mu);
}
