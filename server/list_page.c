/* list_page: keyset pages by id. Statements fetch one row more than asked for, so whether there is a
 * next page is known without counting; the cursor is the last id shown. */
#include "list_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "xalloc.h"

void
list_page_read(struct request *r, struct field_errors *errors, struct list_page *page)
{
	const char *limit = http_query_param(r, "limit"), *cursor = http_query_param(r, "cursor");
	int64_t n;

	page->limit = LIST_PAGE_DEFAULT;
	page->cursor[0] = '\0';
	if (limit != NULL && *limit) {
		if (parse_id(limit, &n) && n <= LIST_PAGE_MAX)
			page->limit = (int)n;
		else
			field_errors_add(errors, "limit", "应为 1 到 100 (1 to 100)");
	}
	if (cursor != NULL && *cursor) {
		if (parse_id(cursor, &n))
			snprintf(page->cursor, sizeof page->cursor, "%lld", (long long)n);
		else
			field_errors_add(errors, "cursor", "无效的翻页标记 (invalid cursor)");
	}
	snprintf(page->fetch, sizeof page->fetch, "%d", page->limit + 1);
}

const char *
list_page_cursor(const struct list_page *page)
{
	return page->cursor[0] ? page->cursor : NULL;
}

void
list_page_reply(struct request *r, const PGresult *res, const struct list_page *page)
{
	int rows = PQntuples(res), shown = rows > page->limit ? page->limit : rows;
	size_t cap = 64, used;
	char *out;

	for (int i = 0; i < shown; i++)
		cap += (size_t)PQgetlength(res, i, 0) + 1;
	if (rows > shown)
		cap += (size_t)PQgetlength(res, shown - 1, 1);
	out = xmalloc(cap);
	used = (size_t)snprintf(out, cap, "{\"items\":[");
	for (int i = 0; i < shown; i++) {
		size_t n = (size_t)PQgetlength(res, i, 0);
		if (i > 0)
			out[used++] = ',';
		memcpy(out + used, PQgetvalue(res, i, 0), n);
		used += n;
	}
	if (rows > shown)
		used += (size_t)snprintf(
		    out + used, cap - used, "],\"next_cursor\":\"%s\"}", PQgetvalue(res, shown - 1, 1));
	else
		used += (size_t)snprintf(out + used, cap - used, "],\"next_cursor\":null}");
	http_reply_json_text(r, 200, out, used);
	free(out);
}
