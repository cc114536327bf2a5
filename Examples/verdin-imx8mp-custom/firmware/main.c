/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for the example's FreeRTOS firmware, written for dtlint's example: just enough for a real Cortex-M7
 * ELF with the layout such firmware has (vectors and code in TCM, a buffer in DDR, the resource table), so that
 * dtlint has a firmware file to check the device tree against. It muxes its pads, publishes its resource table and
 * waits; it drives no peripheral.
 */
#include <stdint.h>

#include "board.h"
#include "pin_mux.h"
#include "rsc_table.h"

extern uint32_t __stack_top;
void Reset_Handler(void);

static void Default_Handler(void)
{
    for (;;) {
    }
}

__attribute__((section(".isr_vector"), used)) void (*const vector_table[16])(void) = {
    (void (*)(void))(uintptr_t)&__stack_top, /* initial stack pointer */
    Reset_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, 0, 0, 0, 0,
    Default_Handler, Default_Handler, 0, Default_Handler, Default_Handler,
};

/* Sensor samples for the A53 side, kept in DDR: inside the m7 reserved region of the device tree. */
__attribute__((section(".ddr_data"), used)) volatile uint32_t sensor_log[64] = {BOARD_SENSOR_I2C_BASE};

void Reset_Handler(void)
{
    BOARD_InitPins();
    copyResourceTable();
    for (;;) {
        __asm__ volatile("wfi");
    }
}
