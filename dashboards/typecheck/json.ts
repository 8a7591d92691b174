// Types for checking Grafana dashboard JSON against @grafana/schema.
//
// JSON has no enums: where @grafana/schema types a field with a string enum (ThresholdsMode, FieldColorModeId,
// BigValueColorMode, ...), a dashboard file holds the enum's value ("absolute", "palette-classic", "value").
// Json<T> is T with every string enum replaced by the union of its values (`${E}`); everything else, including
// numeric enums (VariableRefresh, DashboardCursorSync), required fields and excess-property checks, stays as is.
import type { FieldConfig, FieldConfigSource, Panel } from '@grafana/schema';

export type Json<T> =
  T extends string ? `${T}` :
  T extends number | boolean | null | undefined ? T :
  T extends ReadonlyArray<infer U> ? Array<Json<U>> :
  T extends object ? { [K in keyof T]: Json<T[K]> } :
  T;

// A panel whose options and custom field config are those of its plugin (@grafana/schema's panelcfg types):
// the Dashboard type itself leaves both as Record<string, unknown>.
export type TypedPanel<Options, Custom> = Omit<Panel, 'options' | 'fieldConfig'> & {
  options: Options;
  fieldConfig: Omit<FieldConfigSource, 'defaults'> & {
    defaults: Omit<FieldConfig, 'custom'> & { custom?: Custom };
  };
};

// Panels without plugin-specific field config (stat, bar gauge) may carry no custom options at all.
export type NoCustom = Record<string, never>;
