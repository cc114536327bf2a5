/* SPDX-License-Identifier: MIT */
/*
 * The board constants of the example's M7 firmware, written for dtlint's example. The values are those of the
 * MCUXpresso SDK's evkmimx8mp board.h and rpmsg-lite's i.MX 8M Plus port (HMPFacts §8); the code is ours.
 */
#ifndef BOARD_H
#define BOARD_H

/* Shared memory: vring0 at VDEV0_VRING_BASE, vring1 VRING_SIZE above it, the resource table copied to
 * VDEV0_VRING_BASE + RESOURCE_TABLE_OFFSET, where Linux's rsc-table region must start. */
#define VDEV0_VRING_BASE (0x55000000U)
#define RESOURCE_TABLE_OFFSET (0xFF000U)
#define VRING_SIZE (0x8000U)
#define VRING_ALIGN (0x1000U)
#define RL_BUFFER_COUNT (256U)

/* The peripherals this firmware drives. */
#define BOARD_DEBUG_UART_INSTANCE (4U) /* UART4, Verdin UART_4: the M7 debug port */
#define BOARD_SENSOR_I2C_BASE (0x30A50000U) /* I2C4, Verdin I2C_1 (it used to be I2C3) */

#endif /* BOARD_H */
