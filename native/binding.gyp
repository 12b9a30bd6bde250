{
  "targets": [
    {
      "target_name": "eos_native",
      "sources": ["src/eos_native.c", "src/elementwise.c", "src/dense.c", "src/cnn.c", "src/output.c"],
      "cflags": ["-O3", "-std=gnu11", "-Wall", "-Wextra", "-fno-math-errno", "-fno-trapping-math", "-fno-signed-zeros", "-fassociative-math"],
      "libraries": ["-lopenblas", "-lmvec", "-lm"]
    }
  ]
}
