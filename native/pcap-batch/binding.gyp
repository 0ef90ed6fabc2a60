{
  "targets": [
    {
      "target_name": "pcap_batch",
      "sources": ["src/capture.c", "src/binding.c", "src/filter.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "libraries": ["-lpcap", "-lpthread"]
    }
  ]
}
