/** The filters above the graph (DOM contract: #filter-namespace, #filter-gateway, #filter-kind, #filter-problems). */
import type { NodeKind } from '../../contract.js';
import type { GraphFilters } from '../model/filter-graph.js';

export interface FiltersBarProps {
  filters: GraphFilters;
  namespaces: readonly string[];
  gateways: readonly string[];
  kinds: readonly NodeKind[];
  onChange(filters: GraphFilters): void;
  /** Collapse or expand every gateway; absent when there is no gateway to fold. */
  onCollapseAll?(collapse: boolean): void;
}

function Menu({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: readonly string[]; onChange(value: string): void }) {
  return (
    <label class="filter" for={id}>
      <span>{label}</span>
      <select id={id} value={value} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

export function FiltersBar({ filters, namespaces, gateways, kinds, onChange, onCollapseAll }: FiltersBarProps) {
  return (
    <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <Menu id="filter-namespace" label="Namespace" value={filters.namespace} options={namespaces} onChange={(namespace) => onChange({ ...filters, namespace })} />
      <Menu id="filter-gateway" label="Gateway" value={filters.gateway} options={gateways} onChange={(gateway) => onChange({ ...filters, gateway })} />
      <Menu id="filter-kind" label="Kind" value={filters.kind} options={kinds} onChange={(kind) => onChange({ ...filters, kind: kind as NodeKind | '' })} />
      <label class="filter filter-check" for="filter-problems">
        <input id="filter-problems" type="checkbox" checked={filters.onlyProblems} onChange={(e) => onChange({ ...filters, onlyProblems: (e.currentTarget as HTMLInputElement).checked })} />
        <span>Only problems</span>
      </label>
      {onCollapseAll && (
        <span class="filter-actions">
          <button type="button" onClick={() => onCollapseAll(true)}>
            Collapse gateways
          </button>
          <button type="button" onClick={() => onCollapseAll(false)}>
            Expand all
          </button>
        </span>
      )}
    </form>
  );
}
