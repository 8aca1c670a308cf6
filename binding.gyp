{
  "targets": [
    {
      "target_name": "seq2seq_native",
      "sources": ["native/addon.c", "native/gemm.c", "native/kernels.c", "native/lowp.c", "native/pool.c"],
      "cflags!": ["-O2", "-O0"],
      "cflags_c": [
        "-std=gnu11", "-O3", "-march=native",
        "-fno-math-errno", "-fno-trapping-math", "-fassociative-math", "-fno-signed-zeros", "-ffp-contract=fast",
        "-Wall", "-Wno-unused-parameter"
      ],
      "ldflags": ["-pthread"],
      "libraries": ["-lm"]
    }
  ]
}
