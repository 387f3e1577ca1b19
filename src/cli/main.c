// SPDX-License-Identifier: MIT
/* TEMPORARY: the foundation work replaces this with the subcommand CLI. */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "vmxbox: not implemented yet\n");
	return 1;
}
