import DTCore
import DTHMP

let exampleBase = """
  /dts-v1/;
  / {
  \tcompatible = "acme,board", "acme,soc";
  \t#address-cells = <1>;
  \t#size-cells = <1>;
  \ti2c1: i2c@1000 {
  \t\t#address-cells = <1>;
  \t\t#size-cells = <0>;
  \t\treg = <0x1000 0x100>;
  \t\tstatus = "disabled";
  \t};
  };
  """
