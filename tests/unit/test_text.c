/* text: the one string builder's helpers: a taken string, and HTML escaping of what people typed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <json-c/json.h>

#include "text.h"

static char *
escaped(const char *input)
{
	struct evbuffer *out = evbuffer_new();

	text_add(out, "[");
	text_html_escape(out, input);
	text_add(out, "]");
	return text_take(out, NULL);
}

static void
markup_and_quotes_are_escaped(void **state)
{
	(void)state;
	char *s = escaped("<script>alert('x') & \"y\"</script>");
	assert_string_equal(s, "[&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;]");
	free(s);
}

static void
plain_text_and_chinese_pass_unchanged(void **state)
{
	(void)state;
	char *s = escaped("孙大娘 某村 1 号");
	assert_string_equal(s, "[孙大娘 某村 1 号]");
	free(s);
	s = escaped("");
	assert_string_equal(s, "[]");
	free(s);
	s = escaped(NULL);
	assert_string_equal(s, "[]");
	free(s);
	s = escaped("&");
	assert_string_equal(s, "[&amp;]");
	free(s);
}

static void
take_gives_the_length(void **state)
{
	(void)state;
	struct evbuffer *out = evbuffer_new();
	size_t len = 0;

	evbuffer_add_printf(out, "%d 小时", 12);
	char *s = text_take(out, &len);
	assert_string_equal(s, "12 小时");
	assert_int_equal(len, strlen("12 小时"));
	free(s);
}

/* What a page prints of a member: its text, "" when there is nothing to print. */
static void
text_field_is_empty_for_missing_null_and_no_object(void **state)
{
	struct json_object *obj = json_tokener_parse("{\"name\":\"王<b>\",\"n\":12,\"gone\":null}");

	(void)state;
	assert_string_equal(text_field(obj, "name"), "王<b>");
	assert_string_equal(text_field(obj, "n"), "12");
	assert_string_equal(text_field(obj, "gone"), "");
	assert_string_equal(text_field(obj, "absent"), "");
	assert_string_equal(text_field(NULL, "name"), "");
	json_object_put(obj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(markup_and_quotes_are_escaped),
	    cmocka_unit_test(plain_text_and_chinese_pass_unchanged),
	    cmocka_unit_test(take_gives_the_length),
	    cmocka_unit_test(text_field_is_empty_for_missing_null_and_no_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
