/* list_page: keyset pages by id. Statements fetch one row more than asked for, so whether there is a
 * next page is known without counting; the cursor is the last id shown. */
#include "list_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json_raw.h"
#include "query_cell.h"
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
list_page_send(struct request *r, const PGresult *res, const char *item, int limit, const char *next_cursor)
{
	int rows = PQntuples(res), shown = rows > limit ? limit : rows;
	struct json_object *body = json_object_new_object(), *items = json_object_new_array_ext(shown);
	int col = rows > 0 ? query_column(res, item) : -1;

	for (int i = 0; i < shown; i++) {
		const char *json = query_at_text(res, i, col);
		json_object_array_add(items, json_raw_new(json, strlen(json)));
	}
	json_object_object_add(body, "items", items);
	json_object_object_add(body, "next_cursor", next_cursor ? json_object_new_string(next_cursor) : NULL);
	http_reply_json(r, 200, body);
}

void
list_page_reply(
    struct request *r, const PGresult *res, const struct list_page *page, const char *item, const char *cursor)
{
	bool more = PQntuples(res) > page->limit;

	list_page_send(r, res, item, page->limit, more ? query_cell(res, page->limit - 1, cursor) : NULL);
}
