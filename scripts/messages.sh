#!/usr/bin/env bash
# Refresh and compile the zh_Hans catalogs: one per app (<app>/locale) and one for
# the project's own templates and settings (locale/).
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PYTHON:-.venv/bin/python}"
apps=(core grid enforcement credit monitoring hazwaste screen exchange)
for app in "${apps[@]}"; do
  (cd "$app" && "../$py" ../manage.py makemessages -l zh_Hans --no-obsolete --no-location >/dev/null)
done
ignores=(); for app in "${apps[@]}"; do ignores+=(--ignore="$app/*"); done
"$py" manage.py makemessages -l zh_Hans --no-obsolete --no-location --ignore=.venv --ignore=static \
  --ignore=tests --ignore=bench --ignore=scripts "${ignores[@]}" >/dev/null
"$py" manage.py compilemessages -l zh_Hans --ignore=.venv >/dev/null
echo "catalogs refreshed; fill empty msgstr entries, then run this again to compile"
