/* SPDX-License-Identifier: MIT */
/*
 * Constants for the dtlint example SoC description. Written for dtlint's examples: the numbers are the
 * i.MX 8M Plus interrupt and pad values the example needs, nothing more.
 */
#ifndef EXAMPLE_SOC_H
#define EXAMPLE_SOC_H

#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_TYPE_LEVEL_HIGH 4
#define IRQ_TYPE_LEVEL_LOW 8

#define GPIO_ACTIVE_HIGH 0
#define GPIO_ACTIVE_LOW 1

/* Pad mux entries: mux_reg conf_reg input_reg mux_mode input_val (register offsets from the IOMUXC base, as in
 * the i.MX 8M Plus pad table, HMPFacts §9). */
#define PAD(mux, conf, input, mode, val) mux conf input mode val
#define PAD_I2C4_SCL__I2C4_SCL      PAD(0x218, 0x478, 0x5BC, 0x0, 0x5)
#define PAD_I2C4_SDA__I2C4_SDA      PAD(0x21C, 0x47C, 0x5C0, 0x0, 0x5)
#define PAD_UART4_RXD__UART4_DCE_RX PAD(0x238, 0x498, 0x600, 0x0, 0x8)
#define PAD_UART4_TXD__UART4_DCE_TX PAD(0x23C, 0x49C, 0x000, 0x0, 0x0)

/* Clock IDs of the clock controller (the i.MX 8M Plus numbering). */
#define IMX8MP_CLK_M7_DIV 85

#endif
