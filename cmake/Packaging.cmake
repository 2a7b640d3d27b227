# Packaging: `cpack -G DEB` in a build tree makes paidan_VERSION_amd64.deb (tests/ops/package.sh checks it).
#
# Layout: /usr/bin/paidan, /usr/share/paidan/{clients,sql}, the systemd units, /etc/paidan/paidan.env
# (a conffile); the maintainer scripts in deploy/debian/ make the system user and /var/lib/paidan.
include(GNUInstallDirs)

set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(PAIDAN_DEBIAN_DIR ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian)

install(TARGETS paidan RUNTIME DESTINATION bin)
install(DIRECTORY clients/ DESTINATION share/paidan/clients
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
  PATTERN "*.md" EXCLUDE)
install(DIRECTORY sql/ DESTINATION share/paidan/sql
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PAIDAN_DEBIAN_DIR}/paidan.service ${PAIDAN_DEBIAN_DIR}/paidan.socket
  ${PAIDAN_DEBIAN_DIR}/paidan-migrate.service
  DESTINATION /lib/systemd/system PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PAIDAN_DEBIAN_DIR}/paidan.env DESTINATION /etc/paidan
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PAIDAN_DEBIAN_DIR}/copyright DESTINATION share/doc/paidan
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(PROGRAMS deploy/backup/archive-wal.sh deploy/backup/base-backup.sh deploy/backup/nightly-dump.sh
  deploy/backup/restore.sh deploy/backup/backup-keys.sh DESTINATION share/paidan/backup)
install(FILES deploy/backup/README.md DESTINATION share/paidan/backup
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES deploy/prometheus-alerts.yml deploy/grafana-dashboard.json deploy/FAILOVER.md deploy/nginx.conf
  DESTINATION share/doc/paidan/examples OPTIONAL
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

install(FILES README.md DESTINATION share/doc/paidan
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# The manual page, made by help2man from `paidan --help` and `--version`, so it lists exactly the
# commands and settings the binary has (plus FILES and SEE ALSO from deploy/debian/paidan.h2m).
# help2man is a packaging tool like lintian: tests/ops/package.sh installs it and reconfigures.
find_program(HELP2MAN help2man)
if(HELP2MAN)
  set(PAIDAN_MAN_GZ ${CMAKE_CURRENT_BINARY_DIR}/paidan.1.gz)
  add_custom_command(OUTPUT ${PAIDAN_MAN_GZ}
    COMMAND ${HELP2MAN} --locale=C.UTF-8 --no-info --section=1 --include=${PAIDAN_DEBIAN_DIR}/paidan.h2m
      "--name=order dispatch for county volunteer services" --output=paidan.1 $<TARGET_FILE:paidan>
    COMMAND gzip -9nf paidan.1
    DEPENDS paidan ${PAIDAN_DEBIAN_DIR}/paidan.h2m
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  add_custom_target(paidan_manpage ALL DEPENDS ${PAIDAN_MAN_GZ})
  install(FILES ${PAIDAN_MAN_GZ} DESTINATION share/man/man1
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
else()
  message(STATUS "help2man not found: the package will have no manual page")
endif()

# A native package's changelog, gzipped with -n (no name or time stamp: reproducible).
set(PAIDAN_CHANGELOG_GZ ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz)
add_custom_command(OUTPUT ${PAIDAN_CHANGELOG_GZ}
  COMMAND gzip -9n -c ${PAIDAN_DEBIAN_DIR}/changelog > ${PAIDAN_CHANGELOG_GZ}
  DEPENDS ${PAIDAN_DEBIAN_DIR}/changelog)
add_custom_target(paidan_changelog ALL DEPENDS ${PAIDAN_CHANGELOG_GZ})
install(FILES ${PAIDAN_CHANGELOG_GZ} DESTINATION share/doc/paidan
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_NAME paidan)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "paidan maintainers <paidan@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "order dispatch for county volunteer services (派单)")
# CPack puts the summary first and indents these lines itself.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Residents order a service through a small web form, community workers
dispatch it to a county department, departments claim it and volunteer
teams accept it. Every step is recorded in a hash-chained audit log; service
hours are kept as exact decimals. An HTTP server on PostgreSQL with static
web clients.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.invalid/paidan")
# Libraries found by dpkg-shlibdeps from the binary (libevent, libpq, json-c, libsodium, …).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
# Sending over HTTPS (libcurl: notifications) checks certificates against the system's store.
if(TARGET PkgConfig::CURL)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", ca-certificates")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql (>= 15), postgresql-contrib")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx, postgresql-15-auto-failover")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PAIDAN_DEBIAN_DIR}/conffiles ${PAIDAN_DEBIAN_DIR}/postinst ${PAIDAN_DEBIAN_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
