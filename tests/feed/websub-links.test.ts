/** The WebSub hub in the three feeds: `rel="hub"` in RSS and Atom, `hubs` in JSON Feed 1.1, from the config's websubHub. */
import { describe, expect, it } from 'vitest';
import { feedChannel } from '../../src/feed/items.js';
import { buildFeedModel } from '../../src/feed/model.js';
import { renderFeeds } from '../../src/feed/render.js';
import { ID_PREFIX, makeConfig, makeItem } from '../helpers/factory.js';
import { atomFeed, atomSchemaErrors, attr, children, jsonFeedSchemaErrors, rssChannel, xmlErrors } from '../helpers/feeds.js';

const HUB = 'https://pubsubhubbub.appspot.com/';

/** The three feeds of one item, from a config with `websubHub` set or not. */
function feeds(websubHub?: string) {
  const config = makeConfig(websubHub === undefined ? {} : { websubHub });
  const model = buildFeedModel(feedChannel(config), [makeItem({ id: `${ID_PREFIX}articles/2026-02-01-ferry` })], 50)!;
  return renderFeeds(model);
}

const relLinks = (links: unknown[], rel: string) => links.filter((link) => attr(link, 'rel') === rel).map((link) => attr(link, 'href'));

describe('feeds with a WebSub hub', () => {
  it('RSS names it in an atom:link rel="hub" of the channel, beside rel="self"', async () => {
    // Act
    const { rss } = feeds(HUB);

    // Assess
    const links = children(rssChannel(rss), 'atom:link');
    expect(relLinks(links, 'hub')).toEqual([HUB]);
    expect(relLinks(links, 'self')).toEqual(['https://news.example.org/rss.xml']);
    expect(rss).toContain('xmlns:atom="http://www.w3.org/2005/Atom"');
    expect(await xmlErrors(rss)).toEqual([]);
  });

  it('Atom names it in a link rel="hub", and stays valid against RFC 4287', async () => {
    // Act
    const { atom } = feeds(HUB);

    // Assess
    expect(relLinks(children(atomFeed(atom), 'link'), 'hub')).toEqual([HUB]);
    expect(await atomSchemaErrors(atom)).toEqual([]);
  });

  it('JSON Feed lists it in hubs as type WebSub, and stays valid JSON Feed 1.1', () => {
    // Act
    const json = JSON.parse(feeds(HUB).json) as { hubs?: unknown };

    // Assess
    expect(json.hubs).toEqual([{ type: 'WebSub', url: HUB }]);
    expect(jsonFeedSchemaErrors(json)).toEqual([]);
  });
});

describe('feeds without a hub', () => {
  it('name none in any format', () => {
    // Act
    const { rss, atom, json } = feeds();

    // Assess
    expect(relLinks(children(rssChannel(rss), 'atom:link'), 'hub')).toEqual([]);
    expect(relLinks(children(atomFeed(atom), 'link'), 'hub')).toEqual([]);
    expect(JSON.parse(json)).not.toHaveProperty('hubs');
  });
});
