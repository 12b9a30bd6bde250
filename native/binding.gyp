{
  "targets": [
    {
      "target_name": "eos_native",
      "sources": ["src/eos_native.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "libraries": ["-lopenblas"]
    }
  ]
}
