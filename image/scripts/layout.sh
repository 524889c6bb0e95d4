# The disk layout and fixed identifiers, shared by build.sh and the tests. Fixed GUIDs make builds comparable;
# every appliance flashed from one image shares them, which only matters if two such disks sit in one machine.
ESP_START_MIB=1
ESP_MIB=256
SLOT_MIB=1024
DATA_MIB=512
ROOT_A_START_MIB=$(( ESP_START_MIB + ESP_MIB ))
ROOT_B_START_MIB=$(( ROOT_A_START_MIB + SLOT_MIB ))
DATA_START_MIB=$(( ROOT_B_START_MIB + SLOT_MIB ))
DISK_MIB=$(( DATA_START_MIB + DATA_MIB + 1 ))   # + the backup GPT
DISK_GUID=f1c0a000-0000-4000-8000-000000000000
PARTUUID_ESP=f1c0a000-0000-4000-8000-0000000000e5
PARTUUID_ROOT_A=f1c0a000-0000-4000-8000-00000000000a
PARTUUID_ROOT_B=f1c0a000-0000-4000-8000-00000000000b
PARTUUID_DATA=f1c0a000-0000-4000-8000-00000000000d
FSUUID_DATA=f1c0a000-0000-4000-8000-0000000000fd
ESP_VOLUME_ID=F1C0A0E5
EXT4_HASH_SEED=f1c0a000-0000-4000-8000-000000000005
# openssl passwd -6 -salt fulcrumimage fulcrum (the operator changes it at the first login)
ADMIN_PASSWORD_HASH='$6$fulcrumimage$VPxaXGpgXxGM7Gx.ER804qvxgrpyhU9pGu9Hsa.Wnk5atLFUj1fbqo9f65a857bkYZo10OX2uQTn4H1ZqgYt4/'
