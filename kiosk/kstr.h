/* kstr: small string helpers shared by the loaders. */
#ifndef KIOSK_KSTR_H
#define KIOSK_KSTR_H

/* Edit distance between a and b (insert, delete, substitute), for
 * did-you-mean suggestions; 99 for strings longer than 62 bytes. */
int kstr_distance(const char *a, const char *b);

#endif
