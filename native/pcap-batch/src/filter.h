// BPF filters compiled without a capture (filter.c), exported by binding.c.
#ifndef PCAP_BATCH_FILTER_H
#define PCAP_BATCH_FILTER_H
#include <node_api.h>
#include <pcap/pcap.h>

napi_value js_compile(napi_env env, napi_callback_info info);
napi_value js_match(napi_env env, napi_callback_info info);

#endif
