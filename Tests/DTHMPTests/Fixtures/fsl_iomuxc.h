/*
 * Excerpt written for dtlint's tests in the shape of the MCUXpresso SDK's devices/MIMX8ML8/drivers/fsl_iomuxc.h.
 * Values: IOMUXC base 0x30330000 + the register offsets of the i.MX 8M Plus pad table.
 * The pin function ID is a tuple of <muxRegister muxMode inputRegister inputDaisy configRegister>
 */
#ifndef _FSL_IOMUXC_H_
#define _FSL_IOMUXC_H_

#define IOMUXC_I2C4_SCL_I2C4_SCL      0x30330218U, 0x0U, 0x303305BCU, 0x5U, 0x30330478U
#define IOMUXC_I2C4_SCL_GPIO5_IO20    0x30330218U, 0x5U, 0x00000000U, 0x0U, 0x30330478U
#define IOMUXC_I2C4_SDA_I2C4_SDA      0x3033021CU, 0x0U, 0x303305C0U, 0x5U, 0x3033047CU
#define IOMUXC_UART4_RXD_UART4_RX     0x30330238U, 0x0U, 0x30330600U, 0x8U, 0x30330498U
#define IOMUXC_UART4_RXD_GPIO5_IO28   0x30330238U, 0x5U, 0x00000000U, 0x0U, 0x30330498U
/* A definition continued on the next line. */
#define IOMUXC_UART4_TXD_UART4_TX \
    0x3033023CU, 0x0U, 0x00000000U, 0x0U, 0x3033049CU
#define	IOMUXC_ECSPI2_SCLK_UART4_RX	0x303301F0U, /* mux */ 0x1U, 0x30330600U, 0x6U, 0x30330450U
#define IOMUXC_GPIO1_IO15_GPIO1_IO15  0x30330050U, 0x0U, 0x00000000U, 0x0U, 0x303302B0U
/* One macro naming another. */
#define IOMUXC_DEBUG_UART_RX IOMUXC_UART4_RXD_UART4_RX

/* Not pin functions: ignored. */
#define IOMUXC_SW_PAD_CTL_PAD_DSE_MASK (0x6U)
#define IOMUXC_SW_PAD_CTL_PAD_DSE(x) (((uint32_t)(((uint32_t)(x)) << 1U)) & IOMUXC_SW_PAD_CTL_PAD_DSE_MASK)
#define IOMUXC_SW_PAD_CTL_PAD_FSEL(x) (((uint32_t)(((uint32_t)(x)) << 4U)) & 0x10U)
#define IOMUXC_SW_PAD_CTL_PAD_PUE_MASK (0x40U)

static inline void IOMUXC_SetPinMux(uint32_t muxRegister,
                                    uint32_t muxMode,
                                    uint32_t inputRegister,
                                    uint32_t inputDaisy,
                                    uint32_t configRegister,
                                    uint32_t inputOnfield)
{
    *((volatile uint32_t *)muxRegister) = muxMode;
}

#endif /* _FSL_IOMUXC_H_ */
