/*
 * net_int.h - private helpers of the net module: addresses as 128-bit
 * numbers, so an interval list can treat IPv4 and IPv6 the same way.
 */
#ifndef PORTIER_NET_INT_H
#define PORTIER_NET_INT_H

#include "portier/net.h"

__extension__ typedef unsigned __int128 net_u128;

/* The address as a number (IPv4 in the low 32 bits). */
net_u128 net_addr_to_u128(const struct portier_addr *a);
void net_u128_to_addr(net_u128 v, uint8_t family, struct portier_addr *a);

#endif
