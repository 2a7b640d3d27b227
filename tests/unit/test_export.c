/* Unit tests of server/export.c's CSV writing: RFC 4180 quoting, CRLF rows, formula neutralising,
 * with the expected text written out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "export.h"

/* One row of the given fields, as the export writes it; the caller frees the text. */
static char *
row(const char *const *fields, int n)
{
	struct evbuffer *out = evbuffer_new();
	size_t len;
	char *text;

	for (int i = 0; i < n; i++)
		export_csv_field(out, fields[i], strlen(fields[i]), i == 0);
	export_csv_end_row(out);
	len = evbuffer_get_length(out);
	text = malloc(len + 1);
	evbuffer_remove(out, text, len);
	text[len] = '\0';
	evbuffer_free(out);
	return text;
}

static void
check_row(const char *const *fields, int n, const char *expected)
{
	char *text = row(fields, n);

	assert_string_equal(text, expected);
	free(text);
}

static void
plain_fields_are_written_as_they_are(void **state)
{
	const char *fields[] = {"12", "社区一", "", "a b"};

	(void)state;
	check_row(fields, 4, "12,社区一,,a b\r\n");
}

static void
commas_quotes_and_line_breaks_are_quoted(void **state)
{
	const char *comma[] = {"a,b", "x"};
	const char *quote[] = {"say \"hi\"", "x"};
	const char *lf[] = {"line1\nline2"};
	const char *crlf[] = {"line1\r\nline2", ""};
	const char *only_quote[] = {"\""};

	(void)state;
	check_row(comma, 2, "\"a,b\",x\r\n");
	check_row(quote, 2, "\"say \"\"hi\"\"\",x\r\n");
	check_row(lf, 1, "\"line1\nline2\"\r\n");
	check_row(crlf, 2, "\"line1\r\nline2\",\r\n");
	check_row(only_quote, 1, "\"\"\"\"\r\n");
}

static void
formulas_get_an_apostrophe(void **state)
{
	const char *formulas[] = {"=1+1", "+86", "-5", "@SUM(A1)", "\tx"};
	const char *quoted[] = {"=HYPERLINK(\"http://x\",\"y\")"};
	const char *inside[] = {"1+1=2", "a-b", "x@y"};

	(void)state;
	check_row(formulas, 5, "'=1+1,'+86,'-5,'@SUM(A1),'\tx\r\n");
	check_row(quoted, 1, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n");
	check_row(inside, 3, "1+1=2,a-b,x@y\r\n");
}

static void
a_leading_carriage_return_is_both_neutralised_and_quoted(void **state)
{
	const char *fields[] = {"\r=1"};

	(void)state;
	check_row(fields, 1, "\"'\r=1\"\r\n");
}

static void
the_buffer_grows_for_long_fields(void **state)
{
	struct evbuffer *out = evbuffer_new();
	size_t n = 100000;
	char *big = malloc(n);
	const unsigned char *data;

	(void)state;
	memset(big, '"', n);
	export_csv_field(out, big, n, true);
	assert_int_equal(evbuffer_get_length(out), 2 * n + 2);
	data = evbuffer_pullup(out, -1);
	assert_int_equal(data[0], '"');
	assert_int_equal(data[2 * n + 1], '"');
	free(big);
	evbuffer_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plain_fields_are_written_as_they_are),
	    cmocka_unit_test(commas_quotes_and_line_breaks_are_quoted),
	    cmocka_unit_test(formulas_get_an_apostrophe),
	    cmocka_unit_test(a_leading_carriage_return_is_both_neutralised_and_quoted),
	    cmocka_unit_test(the_buffer_grows_for_long_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
