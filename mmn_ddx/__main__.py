from mmn_ddx.cli import main

main(prog_name="mmn-ddx")
