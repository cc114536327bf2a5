/* SPDX-License-Identifier: MIT */
/*
 * The pads the example's M7 firmware takes, in the shape of an MCUXpresso Config Tools pin_mux.c (written for
 * dtlint's example). dtlint reads the IOMUXC_SetPinMux calls (m7.yaml: pins.pin-mux-c) and resolves their macros
 * through fsl_iomuxc.h.
 */
#include "fsl_iomuxc.h"
#include "pin_mux.h"

void BOARD_InitPins(void)
{
    /* I2C4 on the Verdin I2C_1 pads: the sensor bus. */
    IOMUXC_SetPinMux(IOMUXC_I2C4_SCL_I2C4_SCL, 1U);
    IOMUXC_SetPinConfig(IOMUXC_I2C4_SCL_I2C4_SCL, IOMUXC_SW_PAD_CTL_PAD_DSE(3U) | IOMUXC_SW_PAD_CTL_PAD_HYS(1U) |
                                                      IOMUXC_SW_PAD_CTL_PAD_PUE(1U) | IOMUXC_SW_PAD_CTL_PAD_PE(1U));
    IOMUXC_SetPinMux(IOMUXC_I2C4_SDA_I2C4_SDA, 1U);
    IOMUXC_SetPinConfig(IOMUXC_I2C4_SDA_I2C4_SDA, IOMUXC_SW_PAD_CTL_PAD_DSE(3U) | IOMUXC_SW_PAD_CTL_PAD_HYS(1U) |
                                                      IOMUXC_SW_PAD_CTL_PAD_PUE(1U) | IOMUXC_SW_PAD_CTL_PAD_PE(1U));

    /* UART4 on the Verdin UART_4 pads: the M7 debug console. */
    IOMUXC_SetPinMux(IOMUXC_UART4_RXD_UART4_RX, 0U);
    IOMUXC_SetPinConfig(IOMUXC_UART4_RXD_UART4_RX, IOMUXC_SW_PAD_CTL_PAD_DSE(3U) | IOMUXC_SW_PAD_CTL_PAD_FSEL(1U));
    IOMUXC_SetPinMux(IOMUXC_UART4_TXD_UART4_TX, 0U);
    IOMUXC_SetPinConfig(IOMUXC_UART4_TXD_UART4_TX, IOMUXC_SW_PAD_CTL_PAD_DSE(3U) | IOMUXC_SW_PAD_CTL_PAD_FSEL(1U));
}
