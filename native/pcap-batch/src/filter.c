// BPF filters without a capture: compile(linkType, snaplen, expr) runs pcap_compile on a "dead"
// handle of that link type (check-config validates `capture.filter` this way, and `mailtap read
// --filter` compiles once per link type), and match(program, bytes, wirelen) applies the compiled
// program to one packet with pcap_offline_filter, as `tcpdump -r FILE EXPR` does.
#include "filter.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* LINKTYPE_RAW (files, mailtap) is DLT_RAW (12 or 14 by platform) for libpcap's code generator. */
#define LINKTYPE_RAW 101

/* Marks program handles, so match() never reinterprets another external (a capture handle). */
static const napi_type_tag PROGRAM_TAG = {0x6d61696c74617062ULL, 0x70662d70726f6721ULL};

static void program_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  struct bpf_program *prog = (struct bpf_program *)data;
  pcap_freecode(prog);
  free(prog);
}

/* compile(linkType, snaplen, expr) → program handle; throws code EBPF with libpcap's message. */
napi_value js_compile(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t link_type = 0;
  uint32_t snaplen = 0;
  size_t len = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || napi_get_value_int32(env, argv[0], &link_type) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &snaplen) != napi_ok || snaplen == 0 ||
      napi_get_value_string_utf8(env, argv[2], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "pcap_batch.compile: bad arguments");
    return NULL;
  }
  char *expr = malloc(len + 1);
  struct bpf_program *prog = calloc(1, sizeof *prog);
  if (expr == NULL || prog == NULL) {
    free(expr);
    free(prog);
    napi_throw_error(env, "ENOMEM", "pcap_batch.compile: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[2], expr, len + 1, &len);
  if (strlen(expr) != len) { /* an embedded NUL would silently cut the expression */
    free(expr);
    free(prog);
    napi_throw_error(env, "EBPF", "the filter contains a NUL character");
    return NULL;
  }
  pcap_t *dead = pcap_open_dead(link_type == LINKTYPE_RAW ? DLT_RAW : link_type, (int)snaplen);
  if (dead == NULL) {
    free(expr);
    free(prog);
    napi_throw_error(env, "ENOMEM", "pcap_batch.compile: pcap_open_dead failed");
    return NULL;
  }
  int rc = pcap_compile(dead, prog, expr, 1, PCAP_NETMASK_UNKNOWN);
  free(expr);
  if (rc != 0) {
    char msg[PCAP_ERRBUF_SIZE + 16];
    snprintf(msg, sizeof msg, "%s", pcap_geterr(dead));
    pcap_close(dead);
    free(prog);
    napi_throw_error(env, "EBPF", msg);
    return NULL;
  }
  pcap_close(dead); /* the program owns its own instructions */
  napi_value handle;
  if (napi_create_external(env, prog, program_finalize, NULL, &handle) != napi_ok || napi_type_tag_object(env, handle, &PROGRAM_TAG) != napi_ok) {
    program_finalize(env, prog, NULL);
    napi_throw_error(env, "ENOMEM", "pcap_batch.compile: cannot create the handle");
    return NULL;
  }
  return handle;
}

/* match(program, bytes: Uint8Array, wirelen) → boolean */
napi_value js_match(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  void *p = NULL;
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void *data = NULL;
  napi_value ab;
  uint32_t wirelen = 0;
  bool tagged = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || napi_check_object_type_tag(env, argv[0], &PROGRAM_TAG, &tagged) != napi_ok ||
      !tagged || napi_get_value_external(env, argv[0], &p) != napi_ok || p == NULL ||
      napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array ||
      napi_get_value_uint32(env, argv[2], &wirelen) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "pcap_batch.match: bad arguments");
    return NULL;
  }
  struct pcap_pkthdr h;
  memset(&h, 0, sizeof h);
  h.caplen = (bpf_u_int32)length;
  h.len = wirelen < length ? (bpf_u_int32)length : wirelen;
  /* bpf_filter never reads past caplen: a load beyond it rejects the packet. */
  int hit = pcap_offline_filter((const struct bpf_program *)p, &h, length > 0 ? (const u_char *)data : (const u_char *)"");
  napi_get_boolean(env, hit != 0, &out);
  return out;
}
