/* SPDX-License-Identifier: MIT */
#ifndef RSC_TABLE_H
#define RSC_TABLE_H

/* Copies the resource table to where Linux's rsc-table region starts (VDEV0_VRING_BASE + RESOURCE_TABLE_OFFSET). */
void copyResourceTable(void);

#endif /* RSC_TABLE_H */
