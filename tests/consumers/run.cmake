# Builds and runs the outside projects of tests/consumers, one way of using
# oauthreg per call (cmake -DVIA=... -P run.cmake):
#   install           install oauthreg to PREFIX (the fixture of the next two),
#                     configured for another prefix: `cmake --install --prefix`
#   find_package      CMake project, find_package(oauthreg) of PREFIX
#   pkg_config        plain Makefile, pkg-config with the .pc files of PREFIX
#                     and of a copy of it elsewhere (relocatable .pc files)
#   add_subdirectory  CMake project, add_subdirectory of SOURCE_DIR
#   fetchcontent      CMake project, FetchContent_Declare(SOURCE_DIR) of it
#   meson             Meson project, SOURCE_DIR as the subproject
#   compiled_find_package, compiled_pkg_config, compiled_meson
#                     the same against the compiled library (oauthreg::compiled,
#                     oauthreg-compiled.pc, oauthreg_compiled_dep): main.cpp is
#                     built with -H, and its includes must hold neither
#                     Boost.JSON's parser nor Crypto++ beyond cryptopp/secblock.h
#                     (CRYPTOPP_INCLUDE_DIR), which secure_string.hpp needs
# Each way must build every program of BACKENDS (e.g. "sqlite;postgres") too,
# except the compiled ones, which build main.cpp alone.
set(work "${BINARY_DIR}/${VIA}")
file(REMOVE_RECURSE "${work}")
set(build_log "")
function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
    endif()
    set(build_log "${build_log}${out}" PARENT_SCOPE)
endfunction()
set(compiled OFF)
set(way "${VIA}")
if(VIA MATCHES "^compiled_(.+)$")
    set(compiled ON)
    set(way "${CMAKE_MATCH_1}")
    set(BACKENDS "")
endif()

# Fails when the -H output of a compiled-mode build names a header that the
# compiled library keeps to itself: Boost.JSON's basic_parser_impl.hpp, or a
# Crypto++ header that cryptopp/secblock.h does not include itself.
function(check_no_heavy_headers log)
    file(WRITE "${work}/secblock.cpp" "#include <cryptopp/secblock.h>\n")
    set(include_flags "")
    if(CRYPTOPP_INCLUDE_DIR)
        set(include_flags "-I${CRYPTOPP_INCLUDE_DIR}")
    endif()
    execute_process(COMMAND ${CXX} -std=c++20 -H -fsyntax-only ${include_flags} "${work}/secblock.cpp"
                    RESULT_VARIABLE rc OUTPUT_VARIABLE allowed ERROR_VARIABLE allowed)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "could not list cryptopp/secblock.h's includes: ${allowed}")
    endif()
    string(REGEX MATCHALL "cryptopp/[A-Za-z0-9_]+\\.h" allowed "${allowed}")
    string(REGEX MATCHALL "\n\\.+ [^\n]+" included "\n${log}")
    if(NOT included)
        message(FATAL_ERROR "${VIA}: the build printed no -H include list:\n${log}")
    endif()
    set(leaked "")
    foreach(line IN LISTS included)
        if(line MATCHES "boost/json/basic_parser_impl\\.hpp")
            list(APPEND leaked "boost/json/basic_parser_impl.hpp")
        elseif(line MATCHES "(cryptopp/[A-Za-z0-9_]+\\.h)")
            list(FIND allowed "${CMAKE_MATCH_1}" at)
            if(at EQUAL -1)
                list(APPEND leaked "${CMAKE_MATCH_1}")
            endif()
        endif()
    endforeach()
    list(REMOVE_DUPLICATES leaked)
    if(leaked)
        message(FATAL_ERROR "${VIA}: main.cpp includes what the compiled library should keep: ${leaked}")
    endif()
    list(LENGTH included n)
    message(STATUS "${VIA}: main.cpp includes ${n} headers, no Boost.JSON parser, Crypto++ only as secblock.h")
endfunction()
set(compiler "${CXX}")
if(LAUNCHER)
    set(compiler "${LAUNCHER} ${CXX}")
endif()
set(cmake_args -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})

# Checks that pkg-config, reading the .pc files in `pc_dir`, gives every
# module's include directory as one under `root` that holds oauthreg/oauthreg.hpp.
function(check_pkg_config pc_dir root)
    file(GLOB pcs "${pc_dir}/oauthreg*.pc")
    if(NOT pcs)
        message(FATAL_ERROR "no oauthreg*.pc in ${pc_dir}")
    endif()
    file(REAL_PATH "${root}" root)
    foreach(pc IN LISTS pcs)
        get_filename_component(module "${pc}" NAME_WE)
        execute_process(COMMAND ${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${pc_dir}" pkg-config --cflags ${module}
                        RESULT_VARIABLE rc OUTPUT_VARIABLE cflags ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
        if(NOT rc EQUAL 0)
            message(FATAL_ERROR "pkg-config --cflags ${module} failed: ${err}")
        endif()
        set(found "")
        separate_arguments(flags UNIX_COMMAND "${cflags}")
        foreach(flag IN LISTS flags)
            if(NOT flag MATCHES "^-I(.+)$")
                continue()
            endif()
            file(REAL_PATH "${CMAKE_MATCH_1}" dir)
            string(FIND "${dir}/" "${root}/" at)
            if(at EQUAL 0 AND EXISTS "${dir}/oauthreg/oauthreg.hpp")
                set(found "${dir}")
            endif()
        endforeach()
        if(NOT found)
            message(FATAL_ERROR "pkg-config --cflags ${module} (${pc}) is '${cflags}': "
                                "no include directory under ${root} holding oauthreg/oauthreg.hpp")
        endif()
        message(STATUS "pkg-config --cflags ${module}: ${found}")
    endforeach()
endfunction()

if(VIA STREQUAL "install")
    # Configured for one prefix, installed to another: what the package says
    # about its place must come from where it is, not from the configure step.
    set(configured "${work}/configured-prefix")
    file(REMOVE_RECURSE "${PREFIX}")
    run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${work}" ${cmake_args} -DCMAKE_INSTALL_PREFIX=${configured}
        -DOAUTHREG_BUILD_TESTS=OFF -DOAUTHREG_BUILD_TOOLS=OFF -DOAUTHREG_BUILD_BENCHMARKS=OFF
        -DOAUTHREG_BUILD_EXAMPLES=OFF -DOAUTHREG_INSTALL=ON)
    run(${CMAKE_COMMAND} --build "${work}" --parallel 2)  # the compiled library
    run(${CMAKE_COMMAND} --install "${work}" --prefix "${PREFIX}")
    if(EXISTS "${configured}")
        message(FATAL_ERROR "cmake --install --prefix ${PREFIX} wrote to the configured prefix ${configured}")
    endif()
    file(GLOB_RECURSE pcs "${PREFIX}/*.pc")
    foreach(pc IN LISTS pcs)
        file(STRINGS "${pc}" stale REGEX "configured-prefix")
        if(stale)
            message(FATAL_ERROR "${pc} names the configure-time prefix: ${stale}")
        endif()
    endforeach()
    message(STATUS "oauthreg installed to ${PREFIX}")
    return()
elseif(way MATCHES "^(find_package|add_subdirectory|fetchcontent)$")
    run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${work}" ${cmake_args} -DOAUTHREG_VIA=${way}
        -DCMAKE_PREFIX_PATH=${PREFIX} -DOAUTHREG_SOURCE_DIR=${SOURCE_DIR} -DOAUTHREG_COMPILED=${compiled})
    set(build_log "")
    run(${CMAKE_COMMAND} --build "${work}" --parallel 2)
    set(bin "${work}")
    if(compiled)
        check_no_heavy_headers("${build_log}")
    endif()
elseif(way STREQUAL "meson")
    file(MAKE_DIRECTORY "${work}/src/subprojects")
    file(COPY "${CONSUMER_DIR}/meson.build" "${CONSUMER_DIR}/meson_options.txt" "${CONSUMER_DIR}/main.cpp"
         DESTINATION "${work}/src")
    file(CREATE_LINK "${SOURCE_DIR}" "${work}/src/subprojects/oauthreg" SYMBOLIC)
    if(compiled)
        set(compiled_option -Dcompiled=true)
    else()
        set(compiled_option -Dcompiled=false)
    endif()
    run(${CMAKE_COMMAND} -E env "CXX=${compiler}"
        ${MESON} setup "${work}/build" "${work}/src" --buildtype=plain --force-fallback-for=oauthreg
        ${compiled_option})
    set(build_log "")
    run(${MESON} compile -C "${work}/build" -j 2)
    set(bin "${work}/build")
    set(BACKENDS "")  # the Meson consumer uses the core library only
    if(compiled)
        check_no_heavy_headers("${build_log}")
    else()
        # oauthreg as the top-level project, installed with DESTDIR: its .pc files
        # must find the headers where they landed, not under the configured prefix.
        run(${CMAKE_COMMAND} -E env "CXX=${compiler}"
            ${MESON} setup "${work}/top" "${SOURCE_DIR}" "--prefix=${work}/configured-prefix"
            -Dtests=false -Dtools=false -Dbenchmarks=disabled)
        run(${MESON} compile -C "${work}/top" -j 2)  # the compiled library
        run(${CMAKE_COMMAND} -E env "DESTDIR=${work}/staged" ${MESON} install -C "${work}/top" --no-rebuild --quiet)
        file(GLOB_RECURSE pc "${work}/staged/*/oauthreg.pc")
        if(NOT pc)
            message(FATAL_ERROR "meson install put no oauthreg.pc under ${work}/staged")
        endif()
        get_filename_component(pc_dir "${pc}" DIRECTORY)
        check_pkg_config("${pc_dir}" "${work}/staged")
        if(NOT EXISTS "${pc_dir}/oauthreg-compiled.pc")
            message(FATAL_ERROR "meson install put no oauthreg-compiled.pc in ${pc_dir}")
        endif()
    endif()
elseif(way STREQUAL "pkg_config")
    file(GLOB_RECURSE pc "${PREFIX}/*/oauthreg.pc")
    if(NOT pc)
        message(FATAL_ERROR "no oauthreg.pc under ${PREFIX}")
    endif()
    get_filename_component(pc_dir "${pc}" DIRECTORY)
    file(RELATIVE_PATH pc_subdir "${PREFIX}" "${pc_dir}")
    check_pkg_config("${pc_dir}" "${PREFIX}")
    # A copy of the installed tree, at a path neither the configure nor the
    # install step knew: the consumer builds against that.
    set(moved "${work}/moved")
    file(COPY "${PREFIX}/" DESTINATION "${moved}")
    set(pc_dir "${moved}/${pc_subdir}")
    check_pkg_config("${pc_dir}" "${moved}")
    file(MAKE_DIRECTORY "${work}/build")
    if(compiled)
        set(make_args "OAUTHREG_PC=oauthreg-compiled" "CXXFLAGS=-std=c++20 -H")
    else()
        set(make_args "")
    endif()
    set(build_log "")
    run(${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${pc_dir}"
        ${MAKE} -j2 -f "${CONSUMER_DIR}/Makefile" "SRC=${CONSUMER_DIR}" "OUT=${work}/build" "CXX=${compiler}"
        ${make_args})
    set(bin "${work}/build")
    if(compiled)
        check_no_heavy_headers("${build_log}")
    endif()
else()
    message(FATAL_ERROR "unknown VIA '${VIA}'")
endif()

list(TRANSFORM BACKENDS PREPEND "consumer_")
foreach(program IN ITEMS consumer LISTS BACKENDS)
    if(NOT EXISTS "${bin}/${program}")
        message(FATAL_ERROR "${VIA}: ${program} was not built")
    endif()
    run("${bin}/${program}")
    message(STATUS "${VIA}: ${program} built and ran")
endforeach()
