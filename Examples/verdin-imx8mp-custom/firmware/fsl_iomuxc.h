/* SPDX-License-Identifier: MIT */
/*
 * An excerpt, written for dtlint's example in the shape of the MCUXpresso SDK's
 * devices/MIMX8ML8/drivers/fsl_iomuxc.h: only the pin functions the example firmware uses.
 * A pin function is <muxRegister muxMode inputRegister inputDaisy configRegister>, absolute addresses: the IOMUXC
 * base 0x30330000 plus the register offsets of the i.MX 8M Plus pad table (HMPFacts §9).
 */
#ifndef FSL_IOMUXC_H
#define FSL_IOMUXC_H

#include <stdint.h>

#define IOMUXC_I2C4_SCL_I2C4_SCL 0x30330218U, 0x0U, 0x303305BCU, 0x5U, 0x30330478U
#define IOMUXC_I2C4_SCL_GPIO5_IO20 0x30330218U, 0x5U, 0x00000000U, 0x0U, 0x30330478U
#define IOMUXC_I2C4_SDA_I2C4_SDA 0x3033021CU, 0x0U, 0x303305C0U, 0x5U, 0x3033047CU
#define IOMUXC_UART4_RXD_UART4_RX 0x30330238U, 0x0U, 0x30330600U, 0x8U, 0x30330498U
#define IOMUXC_UART4_TXD_UART4_TX 0x3033023CU, 0x0U, 0x00000000U, 0x0U, 0x3033049CU

#define IOMUXC_SW_MUX_CTL_PAD_MUX_MODE(x) (((uint32_t)(x)) & 0x7U)
#define IOMUXC_SW_MUX_CTL_PAD_SION(x) ((((uint32_t)(x)) << 4U) & 0x10U)
#define IOMUXC_SW_PAD_CTL_PAD_DSE(x) ((((uint32_t)(x)) << 1U) & 0x6U)
#define IOMUXC_SW_PAD_CTL_PAD_FSEL(x) ((((uint32_t)(x)) << 4U) & 0x10U)
#define IOMUXC_SW_PAD_CTL_PAD_PUE(x) ((((uint32_t)(x)) << 6U) & 0x40U)
#define IOMUXC_SW_PAD_CTL_PAD_HYS(x) ((((uint32_t)(x)) << 7U) & 0x80U)
#define IOMUXC_SW_PAD_CTL_PAD_PE(x) ((((uint32_t)(x)) << 8U) & 0x100U)

/* Selects a pad's function (and its daisy-chain input, when it has one). */
static inline void IOMUXC_SetPinMux(uint32_t muxRegister, uint32_t muxMode, uint32_t inputRegister,
                                    uint32_t inputDaisy, uint32_t configRegister, uint32_t inputOnfield)
{
    (void)configRegister;
    *((volatile uint32_t *)muxRegister) =
        IOMUXC_SW_MUX_CTL_PAD_MUX_MODE(muxMode) | IOMUXC_SW_MUX_CTL_PAD_SION(inputOnfield);
    if (inputRegister != 0U) {
        *((volatile uint32_t *)inputRegister) = inputDaisy;
    }
}

/* Writes a pad's electrical configuration. */
static inline void IOMUXC_SetPinConfig(uint32_t muxRegister, uint32_t muxMode, uint32_t inputRegister,
                                       uint32_t inputDaisy, uint32_t configRegister, uint32_t configValue)
{
    (void)muxRegister;
    (void)muxMode;
    (void)inputRegister;
    (void)inputDaisy;
    if (configRegister != 0U) {
        *((volatile uint32_t *)configRegister) = configValue;
    }
}

#endif /* FSL_IOMUXC_H */
