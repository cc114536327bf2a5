/* SPDX-License-Identifier: MIT */
/*
 * The remoteproc resource table of the example's M7 firmware, written for dtlint's example with the layout of
 * Linux's include/linux/remoteproc.h and the values rpmsg-lite firmware uses (HMPFacts §8): one rpmsg vdev with
 * two vrings at the fixed addresses the firmware also uses itself. The table lives in the ELF section
 * .resource_table (which dtlint reads) and is copied to the shared rsc-table region at start-up, where Linux finds
 * it when it attaches to the running M7.
 */
#include <stdint.h>

#include "board.h"
#include "rsc_table.h"

#define RSC_VDEV 3U
#define VIRTIO_ID_RPMSG 7U
#define RSC_VDEV_FEATURE_NS 1U /* name-service announcements */
#define NUM_VRINGS 2U

struct fw_rsc_vdev_vring {
    uint32_t da;
    uint32_t align;
    uint32_t num;
    uint32_t notifyid;
    uint32_t reserved;
} __attribute__((packed));

struct fw_rsc_vdev {
    uint32_t type;
    uint32_t id;
    uint32_t notifyid;
    uint32_t dfeatures;
    uint32_t gfeatures;
    uint32_t config_len;
    uint8_t status;
    uint8_t num_of_vrings;
    uint8_t reserved[2];
} __attribute__((packed));

struct remote_resource_table {
    uint32_t version;
    uint32_t num;
    uint32_t reserved[2];
    uint32_t offset[1];
    struct fw_rsc_vdev user_vdev;
    struct fw_rsc_vdev_vring user_vring0;
    struct fw_rsc_vdev_vring user_vring1;
} __attribute__((packed));

__attribute__((section(".resource_table"), used)) const struct remote_resource_table resources = {
    .version = 1U,
    .num = 1U,
    .reserved = {0U, 0U},
    .offset = {__builtin_offsetof(struct remote_resource_table, user_vdev)},
    .user_vdev = {RSC_VDEV, VIRTIO_ID_RPMSG, 0U, RSC_VDEV_FEATURE_NS, 0U, 0U, 0U, NUM_VRINGS, {0U, 0U}},
    .user_vring0 = {VDEV0_VRING_BASE, VRING_ALIGN, RL_BUFFER_COUNT, 0U, 0U},
    .user_vring1 = {VDEV0_VRING_BASE + VRING_SIZE, VRING_ALIGN, RL_BUFFER_COUNT, 1U, 0U},
};

void copyResourceTable(void)
{
    const volatile uint8_t *from = (const volatile uint8_t *)&resources;
    volatile uint8_t *to = (volatile uint8_t *)(uintptr_t)(VDEV0_VRING_BASE + RESOURCE_TABLE_OFFSET);
    for (uint32_t i = 0U; i < sizeof(resources); i++) {
        to[i] = from[i];
    }
}
