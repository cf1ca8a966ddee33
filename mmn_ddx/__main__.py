from mmn_ddx.cli import main

main()
