# Cross-compiles the plugin for macOS arm64 on Linux (`deno task build
# --target macos-arm64`, scripts/macos_target.ts). The compiler, archiver and
# ranlib are wrapper scripts around the pinned zig that scripts/build.ts writes
# and passes as CMAKE_CXX_COMPILER, CMAKE_AR and CMAKE_RANLIB.
set(CMAKE_SYSTEM_NAME Darwin)
set(CMAKE_SYSTEM_PROCESSOR arm64)
set(CMAKE_SYSTEM_VERSION 23.0)  # Darwin 23 is macOS 14
set(APPLEJAX_MACOS_CROSS ON)

# zig's target triple carries the minimum macOS version; CMake must not add
# flags of an Xcode SDK that is not here.
set(CMAKE_OSX_SYSROOT "" CACHE PATH "" FORCE)
set(CMAKE_OSX_DEPLOYMENT_TARGET "" CACHE STRING "" FORCE)

# CMake's compiler checks would link an executable, for which zig first builds
# its own libc++ (a minute and a half); compiling is check enough.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# libc++: zig's headers, configured as Apple configures the system libc++
# (ABI v1 in namespace std::__1, exported symbols visible, availability
# markings for the target macOS so that nothing newer than its libc++ is
# used), and zig's static libc++ left out of the link: the plugin binds to
# /usr/lib/libc++.1.dylib, the one libmlx.dylib uses, through a stub that the
# build generates (scripts/macos_libcxx_stub.py).
set(CMAKE_CXX_FLAGS_INIT
  "-U_LIBCPP_DISABLE_VISIBILITY_ANNOTATIONS -U_LIBCXXABI_DISABLE_VISIBILITY_ANNOTATIONS \
-U_LIBCPP_HAS_VENDOR_AVAILABILITY_ANNOTATIONS -D_LIBCPP_HAS_VENDOR_AVAILABILITY_ANNOTATIONS=1")
# -S: no debug map, whose entries name the object files of this machine.
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-nostdlib++ -Wl,-S")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-nostdlib++")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
