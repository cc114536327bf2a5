#pragma once
/* glibc's allocator settings (mallopt, M_TOP_PAD): the Glibc module does not include malloc.h. */
#include <malloc.h>
