/* store_deliver: do to a kiosk database what kiosk-sync does once the
 * clinic's server has stored a record, without a server, so the purge test
 * needs no network.
 *
 * Usage: store_deliver DB [RETENTION_SECONDS]   deliver every due record,
 *                                                print each id
 *        store_deliver DB --purge NOW RETENTION  store_purge(NOW, RETENTION)
 * Exit 0 on success, 1 with the store's message on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

int main(int argc, char **argv)
{
	struct store_outbox_item *it = NULL;
	struct kerr err = { "" };
	char loc[96];
	store *s = NULL;
	int64_t now = (int64_t)time(NULL), due;
	krc rc;

	if (argc < 2 || (argc > 2 && strcmp(argv[2], "--purge") == 0 && argc != 5)) {
		fprintf(stderr, "usage: store_deliver DB [RETENTION] | DB --purge NOW RETENTION\n");
		return 2;
	}
	if (store_open(&s, argv[1], &err) != K_OK)
		goto fail;
	if (argc == 5) {
		if (store_purge(s, atoll(argv[3]), atoll(argv[4]), &err) != K_OK)
			goto fail;
		store_close(s);
		return 0;
	}
	if (argc == 3)
		store_set_retention(s, atoll(argv[2]));
	while ((rc = store_outbox_next(s, now, &it, &due, &err)) == K_OK) {
		snprintf(loc, sizeof loc, "Bundle/%s/_history/1", it->id);
		if (store_outbox_delivered(s, it->id, loc, now, &err) != K_OK)
			goto fail;
		printf("%s\n", it->id);
		store_outbox_item_free(it);
		it = NULL;
	}
	if (rc != K_ENOTFOUND)
		goto fail;
	store_close(s);
	return 0;
fail:
	fprintf(stderr, "store_deliver: %s\n", err.msg);
	store_outbox_item_free(it);
	store_close(s);
	return 1;
}
