/* SPDX-License-Identifier: MIT */
/* Written for dtlint's rule examples: an M7 pin_mux.c that drives one pad as a GPIO (GPIO5_IO20). */
#include "fsl_iomuxc.h"

void BOARD_InitPins(void)
{
    IOMUXC_SetPinMux(IOMUXC_I2C4_SCL_GPIO5_IO20, 0U);
    IOMUXC_SetPinConfig(IOMUXC_I2C4_SCL_GPIO5_IO20, IOMUXC_SW_PAD_CTL_PAD_DSE(3U));
}
