// SPDX-License-Identifier: GPL-2.0
/*
 * The module's name tables, compiled into the reader from the module's own
 * file, so that both print the same names.
 */
#include "../module/kxp_names.c"
