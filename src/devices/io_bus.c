// SPDX-License-Identifier: MIT
#include "devices/io_bus.h"

#include <errno.h>
#include <string.h>

void io_bus_init(struct io_bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    const struct io_handler *h)
{
	if (len == 0 || base + len < base)
		return -EINVAL;
	if (bus->nr_ranges == IO_BUS_MAX_RANGES)
		return -ENOSPC;
	for (unsigned i = 0; i < bus->nr_ranges; i++)
		if (ranges_overlap(base, len, bus->ranges[i].base,
				   bus->ranges[i].len))
			return -EEXIST;
	bus->ranges[bus->nr_ranges++] = (struct io_range){ base, len, *h };
	return 0;
}

static uint64_t probe_read(void *opaque, uint64_t offset, unsigned size)
{
	((struct io_bus *)opaque)->probes++;
	return ~0ull;
}

static void probe_write(void *opaque, uint64_t offset, unsigned size,
			uint64_t value)
{
	((struct io_bus *)opaque)->probes++;
}

int io_bus_register_probe(struct io_bus *bus, uint64_t base, uint64_t len)
{
	const struct io_handler h = { "probe", probe_read, probe_write, bus };

	return io_bus_register(bus, base, len, &h);
}

int io_bus_unregister(struct io_bus *bus, uint64_t base)
{
	for (unsigned i = 0; i < bus->nr_ranges; i++)
		if (bus->ranges[i].base == base) {
			memmove(&bus->ranges[i], &bus->ranges[i + 1],
				(bus->nr_ranges - i - 1) * sizeof(bus->ranges[0]));
			bus->nr_ranges--;
			return 0;
		}
	return -ENOENT;
}

const struct io_range *io_bus_find(const struct io_bus *bus, uint64_t addr)
{
	for (unsigned i = 0; i < bus->nr_ranges; i++) {
		const struct io_range *r = &bus->ranges[i];

		if (addr - r->base < r->len)
			return r;
	}
	return NULL;
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

uint64_t io_bus_read(struct io_bus *bus, uint64_t addr, unsigned size)
{
	const struct io_range *r = io_bus_find(bus, addr);

	if (!r && bus->fallback)
		return io_bus_read(bus->fallback, addr, size);
	if (!r || !r->h.read) {
		bus->unhandled_reads++;
		bus->last_unhandled_addr = addr;
		return size_mask(size);
	}
	return r->h.read(r->h.opaque, addr - r->base, size) & size_mask(size);
}

bool io_bus_write(struct io_bus *bus, uint64_t addr, unsigned size, uint64_t value)
{
	const struct io_range *r = io_bus_find(bus, addr);

	if (!r && bus->fallback)
		return io_bus_write(bus->fallback, addr, size, value);
	if (!r || !r->h.write) {
		bus->unhandled_writes++;
		bus->last_unhandled_addr = addr;
		return true;
	}
	bus->write_retry = false;
	r->h.write(r->h.opaque, addr - r->base, size, value & size_mask(size));
	return !bus->write_retry;
}

void io_bus_retry_write(struct io_bus *bus)
{
	bus->write_retry = true;
}
