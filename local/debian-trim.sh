# Sourced by the scripts that make a Debian root filesystem with debootstrap (local/default-image/build.sh,
# images/base/build.sh): one definition of what a redistributed image keeps of Debian's extras.
# Expects `log` and `$rootfs` to be defined by the caller.

# Removes documentation, translations, package lists and logs (copyright files stay: the image is
# redistributed), and makes packages installed later in a derived image as lean.
trim_debian_rootfs() {
  log "removing documentation, translations, package lists and logs"
  find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  rm -rf "$rootfs"/usr/share/{man,info,lintian,linda}/*
  if [ -d "$rootfs/usr/share/locale" ]; then
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  fi
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
    "$rootfs"/var/lib/dpkg/*-old "$rootfs"/var/log/* "$rootfs"/debootstrap
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-walt-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF
}
