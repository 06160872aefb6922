/*
 * net_int.h - private helpers of the net module: addresses as 128-bit
 * numbers, so an interval list can treat IPv4 and IPv6 the same way.
 */
#ifndef PORTIER_NET_INT_H
#define PORTIER_NET_INT_H

#include "portier/net.h"

__extension__ typedef unsigned __int128 net_u128;

#endif
