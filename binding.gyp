{
  "targets": [
    {
      "target_name": "sketchprune_native",
      "sources": ["native/addon.cc", "native/convert.cc", "native/ops.cc", "native/autograd.cc", "native/selection.cc", "native/sampling.cc", "native/jit.cc", "native/distributed.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node native/locate-libtorch.cjs includes)"
      ],
      "libraries": [
        "-L<!(node native/locate-libtorch.cjs libdir)",
        "-Wl,-rpath,<!(node native/locate-libtorch.cjs libdir)",
        "<!@(node native/locate-libtorch.cjs libs)"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=<!(node native/locate-libtorch.cjs std)", "-O2", "-fexceptions", "-frtti", "-fopenmp", "-Wno-unused-parameter", "-Wno-deprecated-declarations",
                    "-include", "<(module_root_dir)/native/napi-weak.h"],
      "ldflags": ["-fopenmp", "-Wl,--no-undefined"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "<!(node native/locate-libtorch.cjs defines)", "<!@(node native/locate-libtorch.cjs distributed-defines)"]
    }
  ]
}
