/*
 * Written for dtlint's tests in the shape of an MCUXpresso Config Tools pin_mux.c for the i.MX 8M Plus M7.
 * IOMUXC_SetPinMux(IOMUXC_GPIO1_IO15_GPIO1_IO15, 0U);   <- inside a comment: not a call
 */
#include "fsl_common.h"
#include "fsl_iomuxc.h"
#include "pin_mux.h"

void BOARD_InitBootPins(void)
{
    BOARD_InitPins();
}

void BOARD_InitPins(void) {                                /*!< Function assigned for the core: Cortex-M7[m7] */
    IOMUXC_SetPinMux(IOMUXC_UART4_RXD_UART4_RX, 0U);
    IOMUXC_SetPinConfig(IOMUXC_UART4_RXD_UART4_RX,
                        IOMUXC_SW_PAD_CTL_PAD_DSE(6U) |
                        IOMUXC_SW_PAD_CTL_PAD_FSEL(2U));
    IOMUXC_SetPinMux (IOMUXC_UART4_TXD_UART4_TX, 0U); IOMUXC_SetPinConfig(IOMUXC_UART4_TXD_UART4_TX, 0x16U);
    // IOMUXC_SetPinMux(IOMUXC_ECSPI2_SCLK_UART4_RX, 0U);
    IOMUXC_SetPinMux(IOMUXC_I2C4_SCL_I2C4_SCL, \
                     1U);
    IOMUXC_SetPinMux(
        IOMUXC_I2C4_SDA_I2C4_SDA,   /* SION */ 1U);
#if 0
    IOMUXC_SetPinMux(IOMUXC_GPIO1_IO15_GPIO1_IO15, 0U);
#endif
    const char *note = "IOMUXC_SetPinMux(IOMUXC_GPIO1_IO15_GPIO1_IO15, 0U)";
    (void)note;
    /* Five values written out. */
    IOMUXC_SetPinMux(0x30330050U, 0x0U, 0x00000000U, 0x0U, 0x303302B0U, 0U);
}
