/* The error catalogue (server/api_error.c): complete rows, and every code the clients branch on. */
#include <dirent.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_error.h"

#ifndef PAIDAN_SOURCE_DIR
#error "PAIDAN_SOURCE_DIR must name the source tree (CMake sets it)"
#endif

static void
every_row_is_complete_and_in_chinese(void **state)
{
	(void)state;
	for (int e = 0; e < API_ERROR_COUNT; e++) {
		const struct api_error_row *row = api_error_row((enum api_error)e);
		if (row->code == NULL || row->zh == NULL || row->en == NULL)
			fail_msg("catalogue row %d is missing", e);
		assert_true(row->status >= 400 && row->status <= 599);
		assert_true(strlen(row->code) > 0 && strlen(row->en) > 0);
		/* The Chinese words start with a CJK character or name a header ("Idempotency-Key 无效"). */
		assert_true((unsigned char)row->zh[0] >= 0xE0 || strstr(row->zh, "无效") != NULL ||
		    strstr(row->zh, "重复") != NULL || strstr(row->zh, "请以") != NULL);
	}
}

static void
the_body_has_the_shape_clients_read(void **state)
{
	struct json_object *body = api_error_body(API_ERROR_NO_SUCH_ORDER, NULL), *error, *v;

	(void)state;
	assert_true(json_object_object_get_ex(body, "error", &error));
	assert_true(json_object_object_get_ex(error, "code", &v));
	assert_string_equal(json_object_get_string(v), "not_found");
	assert_true(json_object_object_get_ex(error, "message", &v));
	assert_string_equal(json_object_get_string(v), "没有这个工单 (no such work order)");
	json_object_put(body);
}

static bool
catalogue_has(const char *code)
{
	for (int e = 0; e < API_ERROR_COUNT; e++)
		if (strcmp(api_error_row((enum api_error)e)->code, code) == 0)
			return true;
	return false;
}

/* Every `error?.code === 'x'` (or `error.code == "x"`) in the clients' .js files names a catalogue code. */
static int
check_client_dir(const char *dir, regex_t *re)
{
	char path[1024];
	DIR *d = opendir(dir);
	struct dirent *ent;
	int found = 0;

	assert_non_null(d);
	while ((ent = readdir(d)) != NULL) {
		size_t n = strlen(ent->d_name);
		FILE *f;
		char line[4096];
		if (n < 4 || strcmp(ent->d_name + n - 3, ".js") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof line, f) != NULL) {
			regmatch_t m[2];
			const char *p = line;
			while (regexec(re, p, 2, m, 0) == 0) {
				char code[64];
				snprintf(code, sizeof code, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), p + m[1].rm_so);
				if (!catalogue_has(code))
					fail_msg(
					    "%s tests for error code \"%s\", which the server never sends", path, code);
				found++;
				p += m[0].rm_eo;
			}
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

static void
every_code_the_clients_test_for_is_in_the_catalogue(void **state)
{
	static const char *dirs[] = {"resident", "console", "team", "common"};
	regex_t re;
	int found = 0;

	(void)state;
	assert_int_equal(regcomp(&re, "error\\??\\.code *[!=]==? *['\"]([a-z_]+)['\"]", REG_EXTENDED), 0);
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char dir[512];
		snprintf(dir, sizeof dir, "%s/clients/%s", PAIDAN_SOURCE_DIR, dirs[i]);
		found += check_client_dir(dir, &re);
	}
	regfree(&re);
	assert_true(found >= 2);
}

/* One word per thing (docs/GLOSSARY.md): the order is 点单 for residents and 工单 for staff, never 任务 or
 * 订单; `completed` is 服务已完成 or 待确认, never 已完成 alone. Words people read in the server's
 * messages and pages (every C file of server/, the catalogue included) keep to it. */
static const char *const words_not_in_the_glossary[] = {"任务", "订单", "不做了"};

static void
check_words(const char *where, const char *text)
{
	for (size_t i = 0; i < sizeof words_not_in_the_glossary / sizeof words_not_in_the_glossary[0]; i++)
		if (strstr(text, words_not_in_the_glossary[i]) != NULL)
			fail_msg("%s says \"%s\", a word outside docs/GLOSSARY.md: %s", where,
			    words_not_in_the_glossary[i], text);
	for (const char *p = text; (p = strstr(p, "已完成")) != NULL; p++)
		if (p - text < 6 || strncmp(p - 6, "服务", 6) != 0)
			fail_msg("%s says 已完成 alone (the glossary: 服务已完成 for residents, 待确认 for staff): %s",
			    where, text);
}

static void
the_server_speaks_the_glossary(void **state)
{
	char path[1024], line[4096];
	DIR *d;
	struct dirent *ent;
	int files = 0;

	(void)state;
	for (int e = 0; e < API_ERROR_COUNT; e++)
		check_words("the error catalogue", api_error_row((enum api_error)e)->zh);
	snprintf(path, sizeof path, "%s/server", PAIDAN_SOURCE_DIR);
	d = opendir(path);
	assert_non_null(d);
	while ((ent = readdir(d)) != NULL) {
		size_t n = strlen(ent->d_name);
		FILE *f;
		int number = 0;
		if (n < 3 || strcmp(ent->d_name + n - 2, ".c") != 0)
			continue;
		snprintf(path, sizeof path, "%s/server/%s", PAIDAN_SOURCE_DIR, ent->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof line, f) != NULL) {
			char where[1100];
			number++;
			snprintf(where, sizeof where, "%s:%d", path, number);
			check_words(where, line);
		}
		fclose(f);
		files++;
	}
	closedir(d);
	assert_true(files > 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_row_is_complete_and_in_chinese),
	    cmocka_unit_test(the_body_has_the_shape_clients_read),
	    cmocka_unit_test(every_code_the_clients_test_for_is_in_the_catalogue),
	    cmocka_unit_test(the_server_speaks_the_glossary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
