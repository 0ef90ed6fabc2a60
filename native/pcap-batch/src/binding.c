// N-API surface of pcap_batch: open (pcap_create/pcap_set_*/pcap_activate/filter, errors with a
// code: EPERM, ENODEV, EBPF, EPCAP), start (threadsafe function + capture thread), stop, stats, devices;
// compile and match (BPF without a capture) live in filter.c.
// Hands each batch to JavaScript as an external ArrayBuffer, detached once the callback returns.
#include "capture.h"
#include "filter.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#ifdef __linux__
#include <linux/if_packet.h>
#endif

/* LINKTYPE_RAW: DLT_RAW is 12 or 14 by platform; files and mailtap use the LINKTYPE_ value. */
#define LINKTYPE_RAW 101

static void call_js(napi_env env, napi_value fn, void *context, void *data) {
  cap_t *c = (cap_t *)context;
  batch_t *b = (batch_t *)data;
  if (env == NULL || fn == NULL) {
    if (b != &pcap_batch_end_marker) goto recycle;
    return;
  }
  napi_value undef, argv[3], ab = NULL;
  napi_get_undefined(env, &undef);
  if (b == &pcap_batch_end_marker) {
    napi_get_null(env, &argv[0]);
    napi_create_uint32(env, 0, &argv[1]);
    napi_create_uint32(env, 0, &argv[2]);
    napi_call_function(env, undef, fn, 3, argv, NULL);
    return;
  }
  /* Zero copy: JS views the batch buffer, which is detached once the callback returns, so a view
   * kept past it (against RawFrame's BORROWED contract) reads as empty instead of reused bytes. */
  if (napi_create_external_arraybuffer(env, b->buf, b->used, NULL, NULL, &ab) == napi_ok) {
    argv[0] = ab;
    napi_create_uint32(env, (uint32_t)b->used, &argv[1]);
    napi_create_uint32(env, b->records, &argv[2]);
    napi_call_function(env, undef, fn, 3, argv, NULL);
    napi_detach_arraybuffer(env, ab);
  }
recycle:
  cap_recycle(c, b);
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  cap_unref((cap_t *)data);
}

static void external_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  cap_t *c = (cap_t *)data;
  stop_thread(c);
  cap_unref(c);
}

#define CHECK(call)                                               \
  do {                                                            \
    if ((call) != napi_ok) {                                      \
      napi_throw_error(env, "EINVAL", "pcap_batch: bad argument"); \
      return NULL;                                                \
    }                                                             \
  } while (0)

static cap_t *get_cap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, "EINVAL", "pcap_batch: not a capture handle");
    return NULL;
  }
  return (cap_t *)p;
}

static int get_u32(napi_env env, napi_value obj, const char *key, uint32_t *out) {
  napi_value v;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return 0;
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

static int get_bool(napi_env env, napi_value obj, const char *key, bool *out) {
  napi_value v;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return 0;
  return napi_get_value_bool(env, v, out) == napi_ok;
}

static int get_str(napi_env env, napi_value obj, const char *key, char *out, size_t cap) {
  napi_value v;
  size_t len = 0;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return 0;
  if (napi_get_value_string_utf8(env, v, out, cap, &len) != napi_ok) return 0;
  return len < cap - 1;
}

static napi_value throw_pcap(napi_env env, pcap_t *p, int rc, const char *step) {
  const char *code = "EPCAP";
  if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_PROMISC_PERM_DENIED) code = "EPERM";
  else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) code = "ENODEV";
  else if (rc == PCAP_ERROR_IFACE_NOT_UP) code = "ENETDOWN";
  char msg[PCAP_ERRBUF_SIZE + 128];
  const char *detail = p != NULL ? pcap_geterr(p) : "";
  if (detail == NULL || detail[0] == '\0') detail = pcap_statustostr(rc);
  snprintf(msg, sizeof msg, "%s: %s", step, detail);
  if (p != NULL) pcap_close(p);
  napi_throw_error(env, code, msg);
  return NULL;
}

/* Joins PACKET_FANOUT group `group` in hash mode: the kernel hashes each packet's flow
 * symmetrically (both directions alike, __skb_get_hash_symmetric) and hands it to one socket of the
 * group, so each connection is captured whole by exactly one process (packet(7)). Every member
 * must use the same mode and the same interface. 0, or -1 with errno. */
static int join_fanout(pcap_t *p, uint32_t group) {
#ifdef PACKET_FANOUT
  int arg = (int)((group & 0xffffu) | ((uint32_t)PACKET_FANOUT_HASH << 16));
  return setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg);
#else
  (void)p;
  (void)group;
  errno = ENOTSUP;
  return -1;
#endif
}

/* open({iface, snaplen, promisc, bufferBytes, filter, immediate, timeoutMs, batchBytes, maxBatches,
 *       flushMs, fanoutGroup?}) → {handle, linkType} */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char iface[256], filter[65536];
  uint32_t snaplen, buffer_bytes, timeout_ms, batch_bytes, max_batches, flush_ms;
  bool promisc, immediate;
  if (argc < 1 || !get_str(env, argv[0], "iface", iface, sizeof iface) || !get_str(env, argv[0], "filter", filter, sizeof filter) ||
      !get_u32(env, argv[0], "snaplen", &snaplen) || !get_u32(env, argv[0], "bufferBytes", &buffer_bytes) ||
      !get_u32(env, argv[0], "timeoutMs", &timeout_ms) || !get_u32(env, argv[0], "batchBytes", &batch_bytes) ||
      !get_u32(env, argv[0], "maxBatches", &max_batches) || !get_u32(env, argv[0], "flushMs", &flush_ms) ||
      !get_bool(env, argv[0], "promisc", &promisc) || !get_bool(env, argv[0], "immediate", &immediate) || max_batches < 2 ||
      snaplen == 0) {
    napi_throw_type_error(env, "EINVAL", "pcap_batch.open: bad options");
    return NULL;
  }
  bool has_fanout = false;
  uint32_t fanout_group = 0;
  if (napi_has_named_property(env, argv[0], "fanoutGroup", &has_fanout) != napi_ok ||
      (has_fanout && (!get_u32(env, argv[0], "fanoutGroup", &fanout_group) || fanout_group > 0xffffu))) {
    napi_throw_type_error(env, "EINVAL", "pcap_batch.open: fanoutGroup must be 0..65535");
    return NULL;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = pcap_create(iface, errbuf);
  if (p == NULL) {
    napi_throw_error(env, "EPCAP", errbuf);
    return NULL;
  }
  pcap_set_snaplen(p, (int)snaplen);
  pcap_set_promisc(p, promisc ? 1 : 0);
  pcap_set_timeout(p, (int)timeout_ms);
  pcap_set_buffer_size(p, (int)(buffer_bytes & 0x7fffffffu));
  pcap_set_immediate_mode(p, immediate ? 1 : 0);
  int rc = pcap_activate(p);
  if (rc < 0) return throw_pcap(env, p, rc, "pcap_activate");
  /* The kernel runs each socket's filter after the fanout has chosen the socket, so every member
   * of the group sets the same filter and the order of the two does not matter. */
  if (has_fanout && join_fanout(p, fanout_group) != 0) {
    char msg[160];
    snprintf(msg, sizeof msg, "PACKET_FANOUT group %u (hash): %s", fanout_group, strerror(errno));
    pcap_close(p);
    napi_throw_error(env, "EFANOUT", msg);
    return NULL;
  }
  struct bpf_program prog;
  if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    /* EBPF: the configuration is wrong (exit 1), not the capture (exit 2). */
    char msg[PCAP_ERRBUF_SIZE + 16];
    snprintf(msg, sizeof msg, "%s", pcap_geterr(p));
    pcap_close(p);
    napi_throw_error(env, "EBPF", msg);
    return NULL;
  }
  rc = pcap_setfilter(p, &prog);
  pcap_freecode(&prog);
  if (rc != 0) return throw_pcap(env, p, PCAP_ERROR, "pcap_setfilter");
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    pcap_close(p);
    napi_throw_error(env, "EPCAP", errbuf);
    return NULL;
  }
  int link_type = pcap_datalink(p);
  if (link_type == DLT_RAW) link_type = LINKTYPE_RAW;

  cap_t *c = cap_new(p, link_type, snaplen, batch_bytes, max_batches, flush_ms);
  if (c == NULL) {
    pcap_close(p);
    napi_throw_error(env, "ENOMEM", "pcap_batch.open: cannot allocate the batch buffers");
    return NULL;
  }
  napi_value out, handle, lt;
  if (napi_create_external(env, c, external_finalize, NULL, &handle) != napi_ok) {
    stop_thread(c);
    cap_unref(c);
    napi_throw_error(env, "ENOMEM", "pcap_batch.open: cannot create the handle");
    return NULL;
  }
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_int32(env, link_type, &lt));
  CHECK(napi_set_named_property(env, out, "handle", handle));
  CHECK(napi_set_named_property(env, out, "linkType", lt));
  return out;
}

/* start(handle, onBatch(arrayBuffer | null, usedBytes, records)) */
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  cap_t *c = argc >= 2 ? get_cap(env, argv[0]) : NULL;
  if (c == NULL) return NULL;
  if (c->thread_started || c->pcap == NULL) {
    napi_throw_error(env, "EINVAL", "pcap_batch.start: already started or stopped");
    return NULL;
  }
  CHECK(napi_create_string_utf8(env, "pcap_batch", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, c, tsfn_finalize, c, call_js, &c->tsfn));
  c->refs++;
  if (pthread_create(&c->thread, NULL, capture_main, c) != 0) {
    napi_release_threadsafe_function(c->tsfn, napi_tsfn_abort);
    napi_throw_error(env, "EAGAIN", "pcap_batch.start: cannot create the capture thread");
    return NULL;
  }
  c->thread_started = 1;
  return NULL;
}

/* stop(handle): the thread flushes its last batch, queues the end marker and exits; then close. */
static napi_value js_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  cap_t *c = argc >= 1 ? get_cap(env, argv[0]) : NULL;
  if (c != NULL) stop_thread(c);
  return NULL;
}

static void set_num(napi_env env, napi_value obj, const char *key, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  napi_set_named_property(env, obj, key, n);
}

/* stats(handle) → {recv, drop, ifdrop, batchDrops, batchDropPackets, batchDropBytes, error} */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out, err;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  cap_t *c = argc >= 1 ? get_cap(env, argv[0]) : NULL;
  if (c == NULL) return NULL;
  CHECK(napi_create_object(env, &out));
  pthread_mutex_lock(&c->mu);
  set_num(env, out, "recv", (double)c->ps_recv);
  set_num(env, out, "drop", (double)c->ps_drop);
  set_num(env, out, "ifdrop", (double)c->ps_ifdrop);
  set_num(env, out, "batchDrops", (double)c->drop_batches);
  set_num(env, out, "batchDropPackets", (double)c->drop_packets);
  set_num(env, out, "batchDropBytes", (double)c->drop_bytes);
  if (c->error[0] != '\0') napi_create_string_utf8(env, c->error, NAPI_AUTO_LENGTH, &err);
  else napi_get_null(env, &err);
  pthread_mutex_unlock(&c->mu);
  napi_set_named_property(env, out, "error", err);
  return out;
}

/* devices() → names libpcap can open (for the "no such interface" message) */
static napi_value js_devices(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr, s;
  pcap_if_t *all = NULL;
  char errbuf[PCAP_ERRBUF_SIZE];
  CHECK(napi_create_array(env, &arr));
  if (pcap_findalldevs(&all, errbuf) != 0) return arr;
  uint32_t i = 0;
  for (pcap_if_t *d = all; d != NULL; d = d->next) {
    if (napi_create_string_utf8(env, d->name, NAPI_AUTO_LENGTH, &s) == napi_ok) napi_set_element(env, arr, i++, s);
  }
  pcap_freealldevs(all);
  return arr;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"start", NULL, js_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stop", NULL, js_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"devices", NULL, js_devices, NULL, NULL, NULL, napi_enumerable, NULL},
      {"compile", NULL, js_compile, NULL, NULL, NULL, napi_enumerable, NULL},
      {"match", NULL, js_match, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
