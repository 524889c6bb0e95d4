# Root slots and their systemd-boot entries; sourced by fulcrum-upgrade and fulcrum-ready.
# An entry is /boot/efi/loader/entries/fulcrum-GGGG-S[+LEFT[-DONE]].conf: GGGG the install generation (newest
# sorts first in systemd-boot), S the slot (a or b), +LEFT-DONE the boot counter of a not yet confirmed install.
# systemd-boot decrements LEFT at each try and sorts entries at +0 last, so the previous entry boots again;
# systemd-bless-boot drops the counter once boot-complete.target is reached (fulcrum-health.service passed).
FULCRUM_ESP=/boot/efi
FULCRUM_ENTRIES=$FULCRUM_ESP/loader/entries
FULCRUM_STATE=/data/upgrade

current_slot() { sed -n 's/.*fulcrum\.slot=\([ab]\).*/\1/p' /proc/cmdline; }
other_slot() { if [ "$1" = a ]; then echo b; else echo a; fi; }
slot_device() { echo "/dev/disk/by-partlabel/fulcrum-root-$1"; }

# The entry file of a slot (base name), or nothing.
slot_entry() {
  local f
  for f in "$FULCRUM_ENTRIES"/fulcrum-[0-9][0-9][0-9][0-9]-"$1".conf "$FULCRUM_ENTRIES"/fulcrum-[0-9][0-9][0-9][0-9]-"$1"+*.conf; do
    [ -e "$f" ] && { basename "$f"; return 0; }
  done
  return 0
}

# trusted | trying LEFT DONE | bad DONE | none, from an entry's name.
entry_state() {
  local name="${1%.conf}"
  case "$name" in
    "") echo none ;;
    *+*-*) local c="${name#*+}"; if [ "${c%-*}" -eq 0 ]; then echo "bad ${c#*-}"; else echo "trying ${c%-*} ${c#*-}"; fi ;;
    *+*) local c="${name#*+}"; if [ "$c" -eq 0 ]; then echo "bad 0"; else echo "trying $c 0"; fi ;;
    *) echo trusted ;;
  esac
}

entry_generation() { local n="${1#fulcrum-}"; echo $(( 10#${n%%-*} )); }
# An empty slot has no entry: nothing to read (sed on the directory failed, which fulcrum-upgrade's ERR trap took
# for a failed upgrade: --status stopped after slot a and the console showed FULCRUM-UPGRADE-FAILED).
entry_version() { [ -z "$1" ] || sed -n 's/^version[[:space:]]*//p' "$FULCRUM_ENTRIES/$1" 2>/dev/null; }

# Whether the running slot is on trial: its entry still carries the counter (+LEFT-DONE) because
# systemd-bless-boot has not confirmed this boot yet (or its tries ran out and this is the last one).
running_on_trial() { case "$(slot_entry "$(current_slot)")" in *+*) return 0 ;; *) return 1 ;; esac; }

# The slot systemd-boot will start next: the newest generation among entries with tries left.
next_slot() {
  local best="" best_gen=-1 slot entry gen
  for slot in a b; do
    entry="$(slot_entry "$slot")"
    [ -n "$entry" ] || continue
    case "$(entry_state "$entry")" in bad*) continue ;; esac
    gen="$(entry_generation "$entry")"
    if [ "$gen" -gt "$best_gen" ]; then best="$slot"; best_gen="$gen"; fi
  done
  echo "$best"
}

console() {
  local tty
  for tty in $(cat /sys/class/tty/console/active 2>/dev/null); do
    printf '%s\n' "$*" >"/dev/$tty" 2>/dev/null || true
  done
}
