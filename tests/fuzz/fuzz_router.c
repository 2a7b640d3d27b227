/* fuzz_router: any path against the real route table; matching must stay within its buffers. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "routes.h"
#include "static_files.h"
#include "tracking_code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = malloc(size + 2), mapped[512], code[TRACKING_CODE_LEN + 1];
	struct route_match match;
	const struct route *routes;
	size_t count;

	path[0] = '/';
	memcpy(path + 1, data, size);
	path[size + 1] = '\0';
	routes = routes_table(&count);
	for (unsigned method = 1; method <= 16; method <<= 1)
		if (router_match(routes, count, method, path, &match) == ROUTE_FOUND)
			(void)route_param(&match, "id");
	static_files_map(path, mapped, sizeof mapped);
	tracking_code_normalize(path, code);
	free(path);
	return 0;
}
