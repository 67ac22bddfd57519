// The oauthreg::compiled library (CMake) and oauthreg_compiled_dep (Meson):
// the one translation unit that includes oauthreg/src.hpp.
#include <oauthreg/src.hpp>
