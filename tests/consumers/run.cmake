# Builds and runs the outside projects of tests/consumers, one way of using
# oauthreg per call (cmake -DVIA=... -P run.cmake):
#   install           install oauthreg to PREFIX (the fixture of the next two)
#   find_package      CMake project, find_package(oauthreg) of PREFIX
#   pkg_config        plain Makefile, pkg-config with PREFIX's .pc files
#   add_subdirectory  CMake project, add_subdirectory of SOURCE_DIR
#   fetchcontent      CMake project, FetchContent_Declare(SOURCE_DIR) of it
#   meson             Meson project, SOURCE_DIR as the subproject
# Each way must build every program of BACKENDS (e.g. "sqlite;postgres") too.
set(work "${BINARY_DIR}/${VIA}")
file(REMOVE_RECURSE "${work}")
function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
    endif()
endfunction()
set(compiler "${CXX}")
if(LAUNCHER)
    set(compiler "${LAUNCHER} ${CXX}")
endif()
set(cmake_args -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})

if(VIA STREQUAL "install")
    file(REMOVE_RECURSE "${PREFIX}")
    run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${work}" ${cmake_args} -DCMAKE_INSTALL_PREFIX=${PREFIX}
        -DOAUTHREG_BUILD_TESTS=OFF -DOAUTHREG_BUILD_TOOLS=OFF -DOAUTHREG_BUILD_BENCHMARKS=OFF
        -DOAUTHREG_BUILD_EXAMPLES=OFF -DOAUTHREG_INSTALL=ON)
    run(${CMAKE_COMMAND} --install "${work}")
    message(STATUS "oauthreg installed to ${PREFIX}")
    return()
elseif(VIA MATCHES "^(find_package|add_subdirectory|fetchcontent)$")
    run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${work}" ${cmake_args} -DOAUTHREG_VIA=${VIA}
        -DCMAKE_PREFIX_PATH=${PREFIX} -DOAUTHREG_SOURCE_DIR=${SOURCE_DIR})
    run(${CMAKE_COMMAND} --build "${work}" --parallel 2)
    set(bin "${work}")
elseif(VIA STREQUAL "meson")
    file(MAKE_DIRECTORY "${work}/src/subprojects")
    file(COPY "${CONSUMER_DIR}/meson.build" "${CONSUMER_DIR}/main.cpp" DESTINATION "${work}/src")
    file(CREATE_LINK "${SOURCE_DIR}" "${work}/src/subprojects/oauthreg" SYMBOLIC)
    run(${CMAKE_COMMAND} -E env "CXX=${compiler}"
        ${MESON} setup "${work}/build" "${work}/src" --buildtype=plain --force-fallback-for=oauthreg)
    run(${MESON} compile -C "${work}/build" -j 2)
    set(bin "${work}/build")
    set(BACKENDS "")  # the Meson consumer uses the core library only
elseif(VIA STREQUAL "pkg_config")
    file(GLOB_RECURSE pc "${PREFIX}/*/oauthreg.pc")
    if(NOT pc)
        message(FATAL_ERROR "no oauthreg.pc under ${PREFIX}")
    endif()
    get_filename_component(pc_dir "${pc}" DIRECTORY)
    file(MAKE_DIRECTORY "${work}/build")
    run(${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${pc_dir}"
        ${MAKE} -j2 -f "${CONSUMER_DIR}/Makefile" "SRC=${CONSUMER_DIR}" "OUT=${work}/build" "CXX=${compiler}")
    set(bin "${work}/build")
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
