/* SPDX-License-Identifier: MIT */
#ifndef PIN_MUX_H
#define PIN_MUX_H

/* Muxes the pads of the M7's I2C4 and UART4 (written in the shape of MCUXpresso Config Tools output). */
void BOARD_InitPins(void);

#endif /* PIN_MUX_H */
