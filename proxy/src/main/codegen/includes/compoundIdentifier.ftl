<#--
  Fenceline's PostgreSQL dialect uses Calcite's compound identifiers unchanged
  (schema.table, alias.column, alias.*); this file only has to exist because the
  template includes it.
-->
