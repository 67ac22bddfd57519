# Install oauthreg to a scratch prefix, then configure, build and run a consumer
# project that only knows find_package(oauthreg).
file(REMOVE_RECURSE "${BINARY_DIR}")
set(prefix "${BINARY_DIR}/prefix")
function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
    endif()
endfunction()
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${BINARY_DIR}/lib" -G "${GENERATOR}"
    -DCMAKE_INSTALL_PREFIX=${prefix} -DOAUTHREG_BUILD_TESTS=OFF -DOAUTHREG_BUILD_TOOLS=OFF
    -DOAUTHREG_BUILD_BENCHMARKS=OFF -DOAUTHREG_BUILD_EXAMPLES=OFF -DOAUTHREG_INSTALL=ON)
run(${CMAKE_COMMAND} --install "${BINARY_DIR}/lib")
run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${BINARY_DIR}/consumer" -G "${GENERATOR}"
    -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build "${BINARY_DIR}/consumer")
run("${BINARY_DIR}/consumer/consumer")
if(EXISTS "${BINARY_DIR}/consumer/consumer_sqlite")
    run("${BINARY_DIR}/consumer/consumer_sqlite")
    message(STATUS "oauthreg::sqlite consumer built and ran")
endif()
message(STATUS "find_package(oauthreg) consumer built and ran")
