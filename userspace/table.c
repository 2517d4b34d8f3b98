// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: text tables sized to their content. The caller makes the
 * cells of every row twice: once to measure (kxp_table_fit), once to print
 * (kxp_table_row). Nothing is cut: a 7-digit pid widens its column.
 */
#include <string.h>

#include "kxp.h"

void kxp_table_init(struct kxp_table *t, unsigned int ncols,
		    const char *const *head, const char *align)
{
	unsigned int c;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols < KXP_TABLE_MAX_COLS ? ncols : KXP_TABLE_MAX_COLS;
	t->head = head;
	t->align = align;
	for (c = 0; c < t->ncols; c++)
		t->width[c] = strlen(head[c]);
}

void kxp_table_fit(struct kxp_table *t, const char *const *cells)
{
	unsigned int c;

	for (c = 0; c < t->ncols; c++)
		if (strlen(cells[c]) > t->width[c])
			t->width[c] = strlen(cells[c]);
}

/* One row: @lead (a marker column) first; the last cell is not padded. */
void kxp_table_row(FILE *f, const struct kxp_table *t, const char *lead,
		   const char *const *cells)
{
	unsigned int c;

	fputs(lead, f);
	for (c = 0; c < t->ncols; c++) {
		int w = c + 1 < t->ncols ? (int)t->width[c] : 0;

		fprintf(f, "%s%*s", c ? " " : "",
			t->align[c] == 'r' ? w : -w, cells[c]);
	}
	fputc('\n', f);
}

void kxp_table_head(FILE *f, const struct kxp_table *t, const char *lead)
{
	kxp_table_row(f, t, lead, t->head);
}
