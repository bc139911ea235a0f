{
  "targets": [
    {
      "target_name": "bl_native",
      "sources": ["dir_stat.c"],
      "cflags": ["-O2", "-std=c11"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
