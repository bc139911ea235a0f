{
  "targets": [
    {
      "target_name": "bl_native",
      "sources": ["dir_stat.c", "tracked_scan.c"],
      "cflags": ["-O2", "-std=c11", "-pthread"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
