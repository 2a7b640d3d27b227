/* certificate_page, qr_svg and seal_image_type: pure rendering and sniffing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "certificate_page.h"
#include "qr_svg.h"
#include "seal.h"

static void
qr_svg_draws_a_square_with_quiet_zone(void **state)
{
	(void)state;
	char *svg = qr_svg("https://example.org/verify/ABCDEFGHJKMN", 30, "a <title>");

	assert_non_null(svg);
	assert_non_null(strstr(svg, "<svg "));
	assert_non_null(strstr(svg, "width=\"30mm\""));
	/* Version 3 (29 modules) plus 4 quiet modules each side. */
	assert_non_null(strstr(svg, "viewBox=\"0 0 37 37\""));
	assert_non_null(strstr(svg, "<title>a &lt;title&gt;</title>"));
	/* The top-left finder pattern starts at the quiet zone with a run of 7. */
	assert_non_null(strstr(svg, "M4 4h7v1h-7z"));
	assert_non_null(strstr(svg, "</svg>"));
	free(svg);
}

static void
qr_svg_refuses_text_too_long(void **state)
{
	(void)state;
	char *big = malloc(8000);

	memset(big, 'x', 7999);
	big[7999] = '\0';
	assert_null(qr_svg(big, 30, "t"));
	free(big);
}

static void
seal_type_is_judged_by_content(void **state)
{
	(void)state;
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
	static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 0, 0xff, 0xd9};
	static const unsigned char jpeg_cut[] = {0xff, 0xd8, 0xff, 0xe0, 0, 0};
	static const unsigned char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>";

	assert_string_equal(seal_image_type(png, sizeof png), "image/png");
	assert_string_equal(seal_image_type(jpeg, sizeof jpeg), "image/jpeg");
	assert_null(seal_image_type(jpeg_cut, sizeof jpeg_cut));
	assert_null(seal_image_type(svg, sizeof svg - 1));
	assert_null(seal_image_type(png, 3));
}

static void
star_names_one_to_five(void **state)
{
	(void)state;
	assert_string_equal(star_level_name(0), "");
	assert_string_equal(star_level_name(1), "一星");
	assert_string_equal(star_level_name(5), "五星");
	assert_string_equal(star_level_name(6), "");
}

static void
page_names_the_handler_escapes_and_shows_the_star(void **state)
{
	(void)state;
	struct certificate_view view = {
	    .number = "2026-000001",
	    .verify_code = "ABCDEFGHJKMN",
	    .issued = "2026年1月2日",
	    .content_json = "{\"volunteer\":{\"name\":\"<b>张三</b>\",\"volunteer_no\":\"V000001\"},"
	                    "\"records\":[{\"date\":\"2026-01-01\",\"category\":\"健康科普\",\"hours\":\"2.00\"}],"
	                    "\"total\":\"120.00\",\"issuer\":\"县科协\",\"handled_by\":\"李经办\","
	                    "\"handler_contact\":\"0797-1234567\",\"star_level\":1}",
	    .verify_url = "https://example.org/verify/ABCDEFGHJKMN",
	    .seal_url = "/seals/3",
	    .verify_banner = false,
	};
	char *page = certificate_page(&view);

	assert_non_null(strstr(page, "&lt;b&gt;张三&lt;/b&gt;"));
	assert_null(strstr(page, "<b>张三"));
	assert_non_null(strstr(page, "经办人：<span id=\"handler\">李经办</span>"));
	assert_non_null(strstr(page, "一星志愿者"));
	assert_non_null(strstr(page, "src=\"/seals/3\""));
	assert_non_null(strstr(page, "https://example.org/verify/ABCDEFGHJKMN"));
	assert_non_null(strstr(page, "size:A4"));
	assert_null(strstr(page, "id=\"genuine\""));
	free(page);
}

static void
verify_form_has_a_box_and_escapes_what_was_typed(void **state)
{
	(void)state;
	char *page = certificate_verify_form(NULL);

	assert_non_null(strstr(page, "<input id=\"code\" name=\"code\""));
	assert_null(strstr(page, "查无此证明"));
	free(page);
	page = certificate_verify_form("<script>");
	assert_non_null(strstr(page, "查无此证明：&lt;script&gt;"));
	free(page);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(qr_svg_draws_a_square_with_quiet_zone),
	    cmocka_unit_test(qr_svg_refuses_text_too_long),
	    cmocka_unit_test(seal_type_is_judged_by_content),
	    cmocka_unit_test(star_names_one_to_five),
	    cmocka_unit_test(page_names_the_handler_escapes_and_shows_the_star),
	    cmocka_unit_test(verify_form_has_a_box_and_escapes_what_was_typed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
